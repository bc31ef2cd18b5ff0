#pragma once
#include <torch/torch.h>

#include <vector>

#include "lpa/data/dataset.h"

namespace lpa {

// ℓ(ŷ, y), mean over the batch: MSE (regression), cross-entropy (classification, and per token
// for language models with ŷ [B, T, V] and y [B, T]).
torch::Tensor task_loss(Task task, const torch::Tensor& pred, const torch::Tensor& y,
                        double label_smoothing = 0.0);

// [K]: task_loss of each of K predictions of one shape against the same y, computed in one
// pass over them stacked (a multi-exit objective's losses in a few large operations).
torch::Tensor task_losses(Task task, const std::vector<torch::Tensor>& preds, const torch::Tensor& y,
                          double label_smoothing = 0.0);

}  // namespace lpa
