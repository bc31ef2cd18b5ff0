#pragma once
#include <torch/torch.h>

#include "lpa/data/dataset.h"

namespace lpa {

// ℓ(ŷ, y), mean over the batch: MSE (regression), cross-entropy (classification, and per token
// for language models with ŷ [B, T, V] and y [B, T]).
torch::Tensor task_loss(Task task, const torch::Tensor& pred, const torch::Tensor& y,
                        double label_smoothing = 0.0);

}  // namespace lpa
