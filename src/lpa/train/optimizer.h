#pragma once
#include <torch/torch.h>

#include <memory>

#include "lpa/config/config.h"

namespace lpa {

// adam (L2 weight decay) | adamw (decoupled) | sgd (momentum, nesterov, weight decay).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainSection& cfg,
                                                        std::vector<torch::Tensor> params);
void set_learning_rate(torch::optim::Optimizer& opt, double lr);
// Drops gradients (not zero-fill) so frozen parameters are skipped by every optimiser.
void clear_gradients(torch::optim::Optimizer& opt);

// Warm-up (linear from lr/warmup to lr) then constant | cosine (to min_lr) | step decay, over a
// window of `window_steps` steps; `step` counts from the window's start.
double learning_rate_at(const TrainSection& cfg, int64_t step, int64_t window_steps);

}  // namespace lpa
