#pragma once
#include <torch/torch.h>

#include "lpa/data/dataset.h"

namespace lpa {

// Self-distillation term D(ŷ_l, sg[ŷ_N]) (docs/method.md): T²·KL(softmax(z_N/T) ‖ softmax(z_l/T))
// over the last dimension, averaged over samples (and tokens) for classifiers and language
// models; squared error to the deepest prediction for regression. The teacher is detached here.
torch::Tensor distillation_loss(Task task, const torch::Tensor& student,
                                const torch::Tensor& teacher, double temperature);

}  // namespace lpa
