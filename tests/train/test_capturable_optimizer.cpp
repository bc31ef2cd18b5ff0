// The optimiser update a CUDA graph replays (train/capturable_optimizer.h), run eagerly on the
// CPU: with the learning rate changing every step it must follow torch::optim's own step, share
// its state (an eager step after it continues exactly), and refuse parameters at different counts.
#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/train/capturable_optimizer.h"
#include "lpa/train/optimizer.h"

using namespace lpa;

namespace {

// Six steps of the same gradients on two copies of one parameter: `a` by torch::optim's step(),
// `b` by one eager step (it creates the state) then CapturableOptimizer, then one eager step
// each again. Returns the largest relative difference.
double largest_difference(const std::string& yaml) {
  const TrainSection c = parse_config(yaml, "t.yaml").train;
  torch::manual_seed(0);
  torch::Tensor a = torch::randn({4, 3}).requires_grad_(), b = a.detach().clone().requires_grad_();
  auto eager = make_optimizer(c, {a});
  auto shared = make_optimizer(c, {b});
  CapturableOptimizer graphed(*shared, torch::kCPU);
  for (int t = 0; t < 7; ++t) {
    const double lr = c.lr / (1.0 + t);  // a schedule: the replayed step must read each step's value
    const torch::Tensor g = torch::randn({4, 3});
    a.mutable_grad() = g.clone();
    b.mutable_grad() = g.clone();
    set_learning_rate(*eager, lr);
    eager->step();
    if (t == 0 || t == 6) {
      set_learning_rate(*shared, lr);
      shared->step();
    } else {
      graphed.prepare(lr, {b});
      graphed.update({b});
      graphed.finish({b});
    }
  }
  return ((a - b).abs() / a.abs().clamp_min(1e-3)).max().item<double>();
}

}  // namespace

TEST_CASE("capturable optimiser: adam, adamw and sgd follow torch::optim's steps under a changing learning rate") {
  for (const char* yaml :
       {"train:\n  optimizer: adam\n  lr: 0.1\n", "train:\n  optimizer: adam\n  lr: 0.1\n  weight_decay: 0.1\n",
        "train:\n  optimizer: adamw\n  lr: 0.1\n  weight_decay: 0.2\n  beta1: 0.8\n  beta2: 0.95\n",
        "train:\n  optimizer: sgd\n  lr: 0.1\n  momentum: 0.9\n",
        "train:\n  optimizer: sgd\n  lr: 0.1\n  momentum: 0.9\n  nesterov: true\n  weight_decay: 0.01\n",
        "train:\n  optimizer: sgd\n  lr: 0.1\n  momentum: 0\n"}) {
    INFO(yaml);
    CHECK(largest_difference(yaml) < 1e-5);
  }
}

TEST_CASE("capturable optimiser: parameters at different step counts or without state are refused") {
  const TrainSection c = parse_config("train:\n  optimizer: adam\n", "t.yaml").train;
  torch::Tensor p = torch::ones({2}).requires_grad_(), q = torch::ones({2}).requires_grad_();
  auto opt = make_optimizer(c, {p, q});
  CapturableOptimizer graphed(*opt, torch::kCPU);
  p.mutable_grad() = torch::ones({2});
  opt->step();  // p has state, q none
  CHECK_THROWS_WITH(graphed.prepare(0.1, {p, q}), Catch::Contains("no optimiser state yet"));
  q.mutable_grad() = torch::ones({2});
  opt->step();  // p at 2, q at 1
  CHECK_THROWS_WITH(graphed.prepare(0.1, {p, q}), Catch::Contains("different optimiser step counts"));
  CHECK_NOTHROW(graphed.prepare(0.1, {p}));
}
