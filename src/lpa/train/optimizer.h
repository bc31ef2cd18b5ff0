#pragma once
#include <torch/torch.h>

#include <memory>
#include <utility>

#include "lpa/config/config.h"

namespace lpa {

// adam (L2 weight decay) | adamw (decoupled) | sgd (momentum, nesterov, weight decay).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainSection& cfg,
                                                        std::vector<torch::Tensor> params);
void set_learning_rate(torch::optim::Optimizer& opt, double lr);
// Drops gradients (not zero-fill) so frozen parameters are skipped by every optimiser.
void clear_gradients(torch::optim::Optimizer& opt);

// Scales the gradients so that their global L2 norm is at most max_norm, as PyTorch 2.x's
// clip_grad_norm_ does (multiplying by min(1, max_norm / (norm + 1e-6))), all on the device:
// the norm is never read back to the host.
void clip_gradient_norm(const std::vector<torch::Tensor>& params, double max_norm);

// Warm-up (linear from lr/warmup to lr) then constant | cosine (to min_lr) | step decay, over a
// window of `window_steps` steps; `step` counts from the window's start.
double learning_rate_at(const TrainSection& cfg, int64_t step, int64_t window_steps);

// The learning rate at the run's `step` when the schedule restarts over windows {start, length}
// (sequential LPA: one per stage). Warm-up happens once, in the window that starts the run; a
// later window restarts only the decay, from train.lr, over its own length.
double learning_rate_in_window(const TrainSection& cfg, int64_t step,
                               std::pair<int64_t, int64_t> window);

}  // namespace lpa
