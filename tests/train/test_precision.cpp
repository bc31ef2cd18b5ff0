// Mixed precision (train/precision.h): which device can train in which precision, the autocast
// guard, the dynamic loss scaler's rule (CPU arithmetic; CUDA uses LibTorch's AMP kernels with
// the same rule), and a bf16 run on the CPU whose predictions and losses stay float32.
#include <ATen/autocast_mode.h>

#include <cmath>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/models/registry.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/optimizer.h"
#include "lpa/train/precision.h"
#include "test_support.h"

using namespace lpa;

TEST_CASE("precision: the CPU trains in fp32 and bf16, and refuses tf32 and fp16 with the reason") {
  CHECK_NOTHROW(check_precision(Precision::fp32, torch::kCPU));
  CHECK_NOTHROW(check_precision(Precision::bf16, torch::kCPU));
  CHECK_THROWS_WITH(check_precision(Precision::fp16, torch::kCPU),
                    Catch::Contains("train.precision: fp16 needs a CUDA device"));
  CHECK_THROWS_WITH(check_precision(Precision::tf32, torch::kCPU),
                    Catch::Contains("train.precision: tf32 is a CUDA matmul mode"));
  CHECK(parse_precision("bf16") == Precision::bf16);
  CHECK(to_string(Precision::fp16) == "fp16");
  CHECK_THROWS_AS(parse_precision("fp8"), UserError);
}

TEST_CASE("precision: the autocast guard runs matmuls in bfloat16 and restores the state") {
  const torch::Tensor a = torch::randn({4, 4});
  CHECK(torch::mm(a, a).scalar_type() == torch::kFloat);
  {
    AutocastGuard outer(Precision::bf16, torch::kCPU);
    CHECK(torch::mm(a, a).scalar_type() == torch::kBFloat16);
    {
      AutocastGuard none(Precision::fp32, torch::kCPU);  // fp32: leaves autocast as it is
      CHECK(torch::mm(a, a).scalar_type() == torch::kBFloat16);
    }
    CHECK(torch::mm(a, a).scalar_type() == torch::kBFloat16);
  }
  CHECK(torch::mm(a, a).scalar_type() == torch::kFloat);
  CHECK_FALSE(at::autocast::is_cpu_enabled());

  // A model's predictions leave forward_all / forward in float32 under autocast.
  auto cfg = parse_config("model:\n  depth: 3\n  width: 8\n", "t.yaml");
  DataSpec spec;
  spec.input_shape = {2};
  spec.output_dim = 1;
  auto m = make_model(cfg, spec);
  AutocastGuard bf16(Precision::bf16, torch::kCPU);
  const torch::Tensor x = torch::randn({5, 2});
  CHECK(m->block(1, m->stem(x)).scalar_type() == torch::kBFloat16);
  for (const auto& y : m->forward_all(x, 3)) CHECK(y.scalar_type() == torch::kFloat);
  CHECK(m->forward(x, 2).scalar_type() == torch::kFloat);
}

TEST_CASE("loss scaler: scales, unscales, skips overflowed steps, backs off and grows") {
  LossScaler s(true, torch::kCPU, 1024.0, 2.0, 0.5, 3);
  torch::Tensor w = torch::ones({3}, torch::requires_grad());
  CHECK(s.scale(torch::tensor(2.0f)).item<float>() == 2048.0f);
  (s.scale((w * torch::tensor({1.0f, 2.0f, 3.0f})).sum())).backward();
  CHECK(torch::equal(w.grad(), torch::tensor({1024.0f, 2048.0f, 3072.0f})));
  REQUIRE(s.unscale({w}));
  CHECK(torch::equal(w.grad(), torch::tensor({1.0f, 2.0f, 3.0f})));
  s.update();
  CHECK(s.current_scale() == 1024.0);
  CHECK(s.good_steps() == 1);
  s.unscale({w});
  s.update();
  CHECK(s.good_steps() == 2);
  s.unscale({w});
  s.update();  // the third good step in a row: the scale doubles, the count restarts
  CHECK(s.current_scale() == 2048.0);
  CHECK(s.good_steps() == 0);

  // An overflowed gradient: reported, the scale halves, the count restarts.
  s.unscale({w});
  s.update();
  w.grad().fill_(std::numeric_limits<float>::infinity());
  CHECK_FALSE(s.unscale({w}));
  s.update();
  CHECK(s.current_scale() == 1024.0);
  CHECK(s.good_steps() == 0);
  w.grad()[1] = std::nanf("");
  w.grad()[0] = 1.0f;
  CHECK_FALSE(s.unscale({w}));

  // The checkpointed state restores the scale and the count exactly.
  s.update();
  LossScaler t(true, torch::kCPU);
  t.load_state(s.state());
  CHECK(t.current_scale() == s.current_scale());
  CHECK(t.current_scale() == 512.0);
  CHECK(t.good_steps() == s.good_steps());

  // Disabled (every precision but fp16): nothing changes.
  LossScaler off(false, torch::kCPU);
  CHECK(off.scale(torch::tensor(3.0f)).item<float>() == 3.0f);
  w.grad().fill_(std::numeric_limits<float>::infinity());
  CHECK(off.unscale({w}));
}

TEST_CASE("precision: a bf16 run trains on the CPU and logs float32 losses, fp16 exits 2") {
  test::TempDir dir("precision");
  test::write_text(dir.file("t.yaml"), test::tiny_surface_yaml("bf16", 60));
  auto r = test::run_lpa("train --config " + dir.file("t.yaml") + " --run-dir " + dir.file("bf16") +
                         " --set train.precision=bf16 --set train.log_every=10");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("precision: bf16") != std::string::npos);
  auto log = test::csv_rows(dir.file("bf16/train_log.csv"));
  REQUIRE(log.size() == 1 + 6);
  const double first = std::stod(log[1][3]), last = std::stod(log.back()[3]);
  CHECK(std::isfinite(last));
  CHECK(last < first);
  // bf16 rounding shows in the loss: it is not the fp32 run's.
  REQUIRE(test::run_lpa("train --config " + dir.file("t.yaml") + " --run-dir " + dir.file("fp32") +
                        " --set train.log_every=10")
              .exit_code == 0);
  CHECK(test::csv_rows(dir.file("fp32/train_log.csv"))[1][3] != log[1][3]);
  auto fp16 = test::run_lpa("train --config " + dir.file("t.yaml") + " --run-dir " + dir.file("fp16") +
                            " --set train.precision=fp16");
  CHECK(fp16.exit_code == 2);
  CHECK(fp16.output.find("fp16 needs a CUDA device") != std::string::npos);
}

TEST_CASE("gradient clipping on the device scales like clip_grad_norm_ and leaves small gradients alone") {
  torch::manual_seed(3);
  std::vector<torch::Tensor> a = {torch::randn({4, 3}, torch::requires_grad()), torch::randn({5}, torch::requires_grad())};
  std::vector<torch::Tensor> b = {a[0].detach().clone().requires_grad_(), a[1].detach().clone().requires_grad_()};
  for (auto* v : {&a, &b}) ((*v)[0].pow(3).sum() + (*v)[1].exp().sum()).backward();
  const double norm = torch::nn::utils::clip_grad_norm_(b, 0.5);
  REQUIRE(norm > 0.5);
  clip_gradient_norm(a, 0.5);
  for (size_t i = 0; i < a.size(); ++i) CHECK(torch::allclose(a[i].grad(), b[i].grad(), 1e-6, 1e-7));
  const double clipped = std::sqrt(a[0].grad().pow(2).sum().item<double>() + a[1].grad().pow(2).sum().item<double>());
  CHECK(clipped == Approx(0.5).epsilon(1e-5));
  const torch::Tensor before = a[0].grad().clone();
  clip_gradient_norm(a, 100.0);  // under the bound: multiplied by exactly 1
  CHECK(torch::equal(a[0].grad(), before));
}

TEST_CASE("train.deterministic: deterministic algorithms on and cuDNN benchmark off, both the other way by default") {
  set_determinism(true);
  CHECK(at::globalContext().deterministicAlgorithms());
  CHECK(at::globalContext().deterministicCuDNN());
  CHECK_FALSE(at::globalContext().benchmarkCuDNN());
  set_determinism(false);
  CHECK_FALSE(at::globalContext().deterministicAlgorithms());
  CHECK(at::globalContext().benchmarkCuDNN());
  test::TempDir dir("deterministic");
  test::write_text(dir.file("t.yaml"), test::tiny_surface_yaml("det", 20));
  auto r = test::run_lpa("train --config " + dir.file("t.yaml") + " --run-dir " + dir.file("run") +
                         " --set train.deterministic=true --set train.grad_clip=0.1");
  INFO(r.output);
  CHECK(r.exit_code == 0);
}

TEST_CASE("loss scaler: an overflowed step leaves the weights alone, a good one applies the unscaled gradient") {
  torch::Tensor w = torch::tensor({1.0f, 2.0f}).requires_grad_();
  torch::optim::SGD opt({w}, torch::optim::SGDOptions(0.1));
  LossScaler s(true, torch::kCPU, 8.0, 2.0, 0.5, 100);
  s.scale((w * w).sum()).backward();  // scaled gradient 8 * 2w
  REQUIRE(scaled_step(opt, s, {w}, 0.0));
  CHECK(torch::allclose(w.detach(), torch::tensor({0.8f, 1.6f})));
  CHECK(s.good_steps() == 1);
  w.mutable_grad() = torch::tensor({std::numeric_limits<float>::infinity(), 1.0f});
  const torch::Tensor before = w.detach().clone();
  CHECK_FALSE(scaled_step(opt, s, {w}, 0.0));
  CHECK(torch::equal(w.detach(), before));
  CHECK(s.current_scale() == 4.0);
  CHECK(s.good_steps() == 0);
}

TEST_CASE("loss scaler: its state travels in the checkpoint") {
  auto cfg = parse_config("model:\n  depth: 2\n  width: 4\n", "t.yaml");
  DataSpec spec;
  spec.input_shape = {2};
  spec.output_dim = 1;
  auto m = make_model(cfg, spec);
  LossScaler s(true, torch::kCPU, 1024.0, 2.0, 0.5, 100);
  torch::Tensor w = torch::ones({2}, torch::requires_grad());
  for (int i = 0; i < 3; ++i) {
    w.mutable_grad() = torch::ones({2});
    s.unscale({w});
    s.update();
  }
  w.mutable_grad() = torch::full({2}, std::numeric_limits<float>::infinity());
  s.unscale({w});
  s.update();  // 512, no good steps
  w.mutable_grad() = torch::ones({2});
  s.unscale({w});
  s.update();  // 512, one good step
  test::TempDir dir("scaler_ckpt");
  TrainingState st;
  st.step = 5;
  st.cpu_rng = capture_rng();
  st.loss_scale = s.state();
  const std::string file = save_checkpoint(dir.path, *m, nullptr, st, 2);
  const TrainingState back = load_checkpoint(file, *m, nullptr);
  REQUIRE(back.loss_scale.defined());
  LossScaler t(true, torch::kCPU);
  t.load_state(back.loss_scale);
  CHECK(t.current_scale() == 512.0);
  CHECK(t.good_steps() == 1);
}
