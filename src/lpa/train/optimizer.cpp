#include "lpa/train/optimizer.h"

#include <cmath>

namespace lpa {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainSection& c,
                                                        std::vector<torch::Tensor> params) {
  namespace o = torch::optim;
  if (c.optimizer == "sgd") {
    return std::make_unique<o::SGD>(params, o::SGDOptions(c.lr)
                                                .momentum(c.momentum)
                                                .nesterov(c.nesterov && c.momentum > 0)
                                                .weight_decay(c.weight_decay));
  }
  if (c.optimizer == "adamw") {
    return std::make_unique<o::AdamW>(
        params, o::AdamWOptions(c.lr).betas({c.beta1, c.beta2}).weight_decay(c.weight_decay));
  }
  return std::make_unique<o::Adam>(
      params, o::AdamOptions(c.lr).betas({c.beta1, c.beta2}).weight_decay(c.weight_decay));
}

void set_learning_rate(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) g.options().set_lr(lr);
}

void clear_gradients(torch::optim::Optimizer& opt) {
  for (auto& g : opt.param_groups())
    for (auto& p : g.params())
      if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
}

double learning_rate_at(const TrainSection& c, int64_t step, int64_t window) {
  if (c.warmup_steps > 0 && step < c.warmup_steps)
    return c.lr * static_cast<double>(step + 1) / static_cast<double>(c.warmup_steps);
  if (c.schedule == "constant") return c.lr;
  if (c.schedule == "step") {
    int64_t k = (step - c.warmup_steps) / c.step_size;
    return c.lr * std::pow(c.gamma, static_cast<double>(k));
  }
  const double span = std::max<int64_t>(1, window - c.warmup_steps);
  const double t = std::min(1.0, static_cast<double>(step - c.warmup_steps) / span);
  return c.min_lr + 0.5 * (c.lr - c.min_lr) * (1.0 + std::cos(M_PI * t));
}

double learning_rate_in_window(const TrainSection& c, int64_t step, std::pair<int64_t, int64_t> window) {
  if (window.first == 0) return learning_rate_at(c, step, window.second);
  TrainSection no_warmup = c;
  no_warmup.warmup_steps = 0;
  return learning_rate_at(no_warmup, step - window.first, window.second);
}

void clip_gradient_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads, norms;
  for (const auto& p : params)
    if (p.grad().defined()) {
      grads.push_back(p.grad());
      norms.push_back(p.grad().norm(2));
    }
  if (grads.empty()) return;
  const torch::Tensor total = torch::stack(norms).norm(2);
  const torch::Tensor coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
  for (auto& g : grads) g.mul_(coef.to(g.dtype()));
}

}  // namespace lpa
