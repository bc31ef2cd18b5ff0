#include <cmath>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/models/registry.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/optimizer.h"
#include "lpa/train/signals.h"
#include "test_support.h"

using namespace lpa;

TEST_CASE("schedule: warm-up, cosine, step, constant") {
  auto c = parse_config("train:\n  lr: 1.0\n  warmup_steps: 10\n  schedule: cosine\n  min_lr: 0.0\n", "t.yaml").train;
  CHECK(learning_rate_at(c, 0, 110) == Approx(0.1));
  CHECK(learning_rate_at(c, 9, 110) == Approx(1.0));
  CHECK(learning_rate_at(c, 10, 110) == Approx(1.0));
  CHECK(learning_rate_at(c, 60, 110) == Approx(0.5));
  CHECK(learning_rate_at(c, 110, 110) == Approx(0.0).margin(1e-12));
  c.schedule = "step";
  c.warmup_steps = 0;
  c.step_size = 5;
  c.gamma = 0.5;
  CHECK(learning_rate_at(c, 4, 100) == Approx(1.0));
  CHECK(learning_rate_at(c, 12, 100) == Approx(0.25));
  c.schedule = "constant";
  CHECK(learning_rate_at(c, 99, 100) == Approx(1.0));
  // Guards train.min_lr: cosine ends at the floor, half way is the mean of lr and floor.
  c.schedule = "cosine";
  c.min_lr = 0.2;
  CHECK(learning_rate_at(c, 50, 100) == Approx(0.6));
  CHECK(learning_rate_at(c, 100, 100) == Approx(0.2));
}

TEST_CASE("optimizer: kinds and learning-rate updates") {
  auto p = torch::zeros({3}, torch::requires_grad());
  for (std::string kind : {"adam", "adamw", "sgd"}) {
    auto c = parse_config("train:\n  optimizer: " + kind + "\n  lr: 0.1\n", "t.yaml").train;
    auto opt = make_optimizer(c, {p});
    set_learning_rate(*opt, 0.05);
    CHECK(opt->param_groups()[0].options().get_lr() == Approx(0.05));
  }
}

namespace {

// The update rules written out (PyTorch's documented algorithms), for three steps of changing
// gradients: the reference the built optimisers must match.
std::vector<double> reference_steps(const TrainSection& c, std::vector<double> p,
                                    const std::vector<std::vector<double>>& grads) {
  std::vector<double> m(p.size(), 0), v(p.size(), 0);
  for (size_t t = 1; t <= grads.size(); ++t) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = grads[t - 1][i];
      if (c.optimizer == "sgd") {
        g += c.weight_decay * p[i];
        m[i] = t == 1 ? g : c.momentum * m[i] + g;
        p[i] -= c.lr * (c.nesterov ? g + c.momentum * m[i] : m[i]);
        continue;
      }
      if (c.optimizer == "adamw") p[i] *= 1 - c.lr * c.weight_decay;
      else g += c.weight_decay * p[i];
      m[i] = c.beta1 * m[i] + (1 - c.beta1) * g;
      v[i] = c.beta2 * v[i] + (1 - c.beta2) * g * g;
      const double mh = m[i] / (1 - std::pow(c.beta1, t)), vh = v[i] / (1 - std::pow(c.beta2, t));
      p[i] -= c.lr * mh / (std::sqrt(vh) + 1e-8);
    }
  }
  return p;
}

}  // namespace

// Guards make_optimizer (train/optimizer.cpp): the kind, weight_decay (L2 for adam and sgd,
// decoupled for adamw), momentum, nesterov, beta1 and beta2 each change the numbers.
TEST_CASE("optimizer: adam, adamw and sgd steps follow their update rules with every option") {
  const std::vector<std::vector<double>> grads = {{0.3, -1.0, 2.0}, {-0.6, -0.2, 1.0}, {0.9, 0.5, -3.0}};
  const std::vector<double> p0 = {0.5, -1.5, 2.0};
  for (std::string yaml : {"optimizer: adam\n  beta1: 0.7\n  beta2: 0.9\n  weight_decay: 0.3",
                           "optimizer: adamw\n  beta1: 0.6\n  beta2: 0.95\n  weight_decay: 0.4",
                           "optimizer: sgd\n  momentum: 0.5\n  nesterov: true\n  weight_decay: 0.2",
                           "optimizer: sgd\n  momentum: 0.7\n  nesterov: false\n  weight_decay: 0.1"}) {
    INFO(yaml);
    auto c = parse_config("train:\n  lr: 0.1\n  " + yaml + "\n", "t.yaml").train;
    auto p = torch::tensor(p0, torch::kDouble).requires_grad_();
    auto opt = make_optimizer(c, {p});
    for (const auto& g : grads) {
      p.mutable_grad() = torch::tensor(g, torch::kDouble);
      opt->step();
    }
    const auto want = reference_steps(c, p0, grads);
    for (size_t i = 0; i < p0.size(); ++i) CHECK(p[i].item<double>() == Approx(want[i]).epsilon(1e-9));
  }
}

TEST_CASE("checkpoint: save, load, keep K, skip a corrupt newest one") {
  test::TempDir dir("ckpt");
  auto cfg = parse_config("model:\n  depth: 2\n  width: 4\n", "t.yaml");
  DataSpec spec;
  spec.input_shape = {2};
  auto a = make_model(cfg, spec);
  auto opt = make_optimizer(cfg.train, a->parameters());
  for (int64_t s : {10, 20, 30}) save_checkpoint(dir.path, *a, opt.get(), {s, 1, 8, capture_rng(), {}, 0.0, {}, {}}, 2);
  auto files = list_checkpoints(dir.path);
  REQUIRE(files.size() == 2);
  CHECK(files[0].find("step_00000030.pt") != std::string::npos);
  auto b = make_model(cfg, spec);
  auto st = load_latest_checkpoint(dir.path, *b, nullptr);
  REQUIRE(st);
  CHECK(st->step == 30);
  CHECK(st->sampler_position == 8);
  CHECK(torch::equal(a->parameters()[0], b->parameters()[0]));
  test::write_text(files[0], "garbage");  // the newest is now corrupt: the older one is used
  auto st2 = load_latest_checkpoint(dir.path, *b, nullptr);
  REQUIRE(st2);
  CHECK(st2->step == 20);
  test::write_text(files[1], "garbage");
  CHECK_THROWS_AS(load_latest_checkpoint(dir.path, *b, nullptr), UserError);
  test::TempDir empty("ckpt_empty");
  CHECK_FALSE(load_latest_checkpoint(empty.path, *b, nullptr));
}

TEST_CASE("signals: the Slurm id to requeue is the array task's own") {
  ::unsetenv("SLURM_JOB_ID");
  ::unsetenv("SLURM_ARRAY_JOB_ID");
  ::unsetenv("SLURM_ARRAY_TASK_ID");
  CHECK(slurm_requeue_target().empty());
  CHECK_FALSE(slurm_requeue());  // outside Slurm nothing is run
  ::setenv("SLURM_JOB_ID", "1234", 1);
  CHECK(slurm_requeue_target() == "1234");
  // Array task 3 of array job 1230 runs as job 1234: requeue "1230_3", not the whole array.
  ::setenv("SLURM_ARRAY_JOB_ID", "1230", 1);
  ::setenv("SLURM_ARRAY_TASK_ID", "3", 1);
  CHECK(slurm_requeue_target() == "1230_3");
  ::unsetenv("SLURM_JOB_ID");
  ::unsetenv("SLURM_ARRAY_JOB_ID");
  ::unsetenv("SLURM_ARRAY_TASK_ID");
}
