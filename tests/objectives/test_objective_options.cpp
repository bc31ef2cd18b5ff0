// The LPA objective's options (docs/method.md): each test computes what the option's formula
// says by hand and compares it with the objective, so it fails when the option is ignored.
#include <cmath>
#include <map>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/data/text_dataset.h"
#include "lpa/models/registry.h"
#include "lpa/objectives/depth_weights.h"
#include "lpa/objectives/distillation.h"
#include "lpa/objectives/exit_curriculum.h"
#include "lpa/objectives/loss_ema.h"
#include "lpa/objectives/objective.h"
#include "lpa/objectives/task_loss.h"

using namespace lpa;

namespace {

constexpr int64_t kDepth = 4;

// A depth-4 residual MLP on a fixed regression batch, with the given loss section.
struct Surface {
  ExperimentConfig cfg;
  ModelPtr model;
  Batch batch;
  explicit Surface(const std::string& loss_yaml) {
    cfg = parse_config("model:\n  depth: 4\n  width: 8\n  head: per_depth\nloss:\n  kind: lpa\n" + loss_yaml,
                       "t.yaml");
    DataSpec spec;
    spec.input_shape = {2};
    torch::manual_seed(3);
    model = make_model(cfg, spec);
    torch::manual_seed(4);
    batch = {torch::randn({16, 2}), torch::randn({16, 1})};
  }
  LossOutput step(Objective& obj, int64_t step = 0, int64_t total = 100) {
    obj.begin_step(*model, step, total);
    return obj.compute(*model, batch, step, total);
  }
  std::vector<torch::Tensor> outputs() {
    torch::NoGradGuard g;
    return model->forward_all(batch.x, kDepth);
  }
  double loss_at(const torch::Tensor& pred) { return task_loss(Task::regression, pred, batch.y).item<double>(); }
};

double weighted(const std::vector<double>& w, const std::vector<double>& terms) {
  double s = 0;
  for (size_t l = 0; l < w.size(); ++l) s += w[l] * terms[l];
  return s;
}

// Gradient of every block's parameters, concatenated per block.
std::vector<torch::Tensor> block_grads(Surface& s, Objective& obj) {
  for (auto& p : s.model->parameters()) p.mutable_grad() = torch::Tensor();
  s.step(obj).total.backward();
  std::vector<torch::Tensor> g;
  for (int64_t l = 1; l <= kDepth; ++l) {
    std::vector<torch::Tensor> parts;
    for (auto& p : s.model->block_module(l).parameters())
      parts.push_back(p.grad().defined() ? p.grad().flatten() : torch::zeros({p.numel()}));
    g.push_back(torch::cat(parts));
  }
  return g;
}

}  // namespace

TEST_CASE("distillation: KL to the deepest exit's softened prediction, times T squared") {
  torch::manual_seed(1);
  auto student = torch::randn({5, 7}), teacher = torch::randn({5, 7});
  const double t = 2.5;
  double expect = 0;
  for (int64_t i = 0; i < 5; ++i) {
    auto p = torch::softmax(teacher[i] / t, 0), q = torch::softmax(student[i] / t, 0);
    for (int64_t c = 0; c < 7; ++c)
      expect += p[c].item<double>() * std::log(p[c].item<double>() / q[c].item<double>());
  }
  expect = expect / 5 * t * t;
  CHECK(distillation_loss(Task::classification, student, teacher, t).item<double>() ==
        Approx(expect).epsilon(1e-5));
  // Tokens: the mean over every (sample, position) of the same KL.
  auto s3 = torch::randn({2, 3, 7}), t3 = torch::randn({2, 3, 7});
  CHECK(distillation_loss(Task::language_model, s3, t3, t).item<double>() ==
        Approx(distillation_loss(Task::classification, s3.reshape({6, 7}), t3.reshape({6, 7}), t)
                   .item<double>())
            .epsilon(1e-6));
  CHECK(distillation_loss(Task::classification, teacher, teacher, t).item<double>() == Approx(0).margin(1e-7));
  // Regression: squared error to the deepest prediction, which receives no gradient.
  auto a = torch::randn({4, 1}, torch::requires_grad()), b = torch::randn({4, 1}, torch::requires_grad());
  auto d = distillation_loss(Task::regression, a, b, 1.0);
  CHECK(d.item<double>() == Approx((a - b).pow(2).mean().item<double>()));
  d.backward();
  CHECK(a.grad().defined());
  CHECK_FALSE(b.grad().defined());
}

// Guards the distillation branch of DepthSum::compute.
TEST_CASE("objective option loss.distill_alpha: shallow terms mix in the distance to the deepest exit") {
  Surface s("  distill_alpha: 0.25\n");
  auto obj = make_objective(s.cfg, Task::regression, kDepth);
  const double total = s.step(*obj).total.item<double>();
  auto outs = s.outputs();
  std::vector<double> terms;
  for (int64_t l = 0; l < kDepth; ++l) {
    double own = s.loss_at(outs[l]);
    double to_deepest = torch::nn::functional::mse_loss(outs[l], outs.back()).item<double>();
    terms.push_back(l + 1 < kDepth ? 0.75 * own + 0.25 * to_deepest : own);
  }
  CHECK(total == Approx(weighted(depth_weights("uniform", kDepth), terms)).epsilon(1e-5));
  // The teacher is detached: with only the depth-1 term and alpha 1, blocks past 1 get nothing.
  Surface only_first("  distill_alpha: 1\n  weights: [1, 0, 0, 0]\n");
  auto o1 = make_objective(only_first.cfg, Task::regression, kDepth);
  auto g = block_grads(only_first, *o1);
  CHECK(g[0].abs().sum().item<double>() > 0);
  for (int64_t l = 1; l < kDepth; ++l) CHECK(g[l].abs().sum().item<double>() == 0);
}

// Guards ForwardOptions::gradient_equilibrium in forward_all: block l receives the mean of the
// N - l + 1 gradients it received as a sum; the values and the heads' gradients do not change.
TEST_CASE("objective option loss.gradient_equilibrium: block l's gradient is divided by N - l + 1") {
  Surface plain(""), ge("  gradient_equilibrium: true\n");
  auto op = make_objective(plain.cfg, Task::regression, kDepth);
  auto oe = make_objective(ge.cfg, Task::regression, kDepth);
  CHECK(plain.step(*op).total.item<double>() == ge.step(*oe).total.item<double>());
  auto gp = block_grads(plain, *op), gq = block_grads(ge, *oe);
  for (int64_t l = 1; l <= kDepth; ++l) {
    INFO("block " << l);
    CHECK(torch::allclose(gq[l - 1], gp[l - 1] / static_cast<double>(kDepth - l + 1), 1e-5, 1e-7));
  }
  for (int64_t l = 1; l <= kDepth; ++l)
    for (size_t i = 0; i < plain.model->head_module(l).parameters().size(); ++i)
      CHECK(torch::allclose(plain.model->head_module(l).parameters()[i].grad(),
                            ge.model->head_module(l).parameters()[i].grad()));
}

// Every parameter's gradient after one step of `obj` on `s`, in model->parameters() order.
std::vector<torch::Tensor> all_grads(Surface& s, Objective& obj, double* total = nullptr) {
  for (auto& p : s.model->parameters()) p.mutable_grad() = torch::Tensor();
  torch::Tensor t = s.step(obj).total;
  if (total) *total = t.item<double>();
  t.backward();
  std::vector<torch::Tensor> g;
  for (auto& p : s.model->parameters()) g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
  return g;
}

// Guards ForwardOptions::head_gradient_scales and DepthSum's head shares: with one head per
// exit and weights c_l, head l's gradient is divided by c_l (as if its loss weighed 1), while
// the blocks', the stem's and the objective's value are the weighted objective's.
TEST_CASE("objective option loss.head_gradient normalised: each head learns as if its exits weighed 1") {
  const std::string w = "  weights: [1, 2, 3, 4]\n";
  Surface plain(w), norm(w + "  head_gradient: normalised\n");
  auto op = make_objective(plain.cfg, Task::regression, kDepth);
  auto on = make_objective(norm.cfg, Task::regression, kDepth);
  double tp = 0, tn = 0;
  auto gp = all_grads(plain, *op, &tp), gn = all_grads(norm, *on, &tn);
  CHECK(tn == Approx(tp).epsilon(1e-12));
  std::map<const void*, double> head_share;  // parameter -> c_l of the exit its head serves
  for (int64_t l = 1; l <= kDepth; ++l)
    for (auto& p : plain.model->head_module(l).parameters()) head_share[p.unsafeGetTensorImpl()] = l / 10.0;
  auto params = plain.model->parameters();
  int64_t heads = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    INFO("parameter " << i);
    auto it = head_share.find(params[i].unsafeGetTensorImpl());
    const double divide = it == head_share.end() ? 1.0 : it->second;
    heads += it != head_share.end();
    REQUIRE(gp[i].abs().sum().item<double>() > 0);
    CHECK(torch::allclose(gn[i], gp[i] / divide, 1e-5, 1e-8));
  }
  CHECK(heads == 2 * kDepth);  // weight and bias of each
  // Composes with gradient equilibrium: the blocks' gradients are GE's, the heads' normalised.
  Surface ge(w + "  gradient_equilibrium: true\n"), both(w + "  gradient_equilibrium: true\n  head_gradient: normalised\n");
  auto oge = make_objective(ge.cfg, Task::regression, kDepth);
  auto ob = make_objective(both.cfg, Task::regression, kDepth);
  auto gg = all_grads(ge, *oge), gb = all_grads(both, *ob);
  for (size_t i = 0; i < params.size(); ++i) {
    auto it = head_share.find(params[i].unsafeGetTensorImpl());
    CHECK(torch::allclose(gb[i], gg[i] / (it == head_share.end() ? 1.0 : it->second), 1e-5, 1e-8));
  }
}

// A head shared by several exits (a ResNet's per-stage heads) is divided by their summed weight.
TEST_CASE("objective option loss.head_gradient normalised: a per-stage head is divided by its stage's weight") {
  auto make = [](const std::string& extra) {
    return parse_config("model:\n  type: resnet\n  stages: [2, 2]\n  widths: [4, 8]\n  head: per_stage\n"
                        "data:\n  type: idx\nloss:\n  kind: lpa\n  weights: [1, 2, 3, 4]\n" + extra, "t.yaml");
  };
  DataSpec spec;
  spec.task = Task::classification;
  spec.input_shape = {1, 8, 8};
  spec.output_dim = 5;
  torch::manual_seed(5);
  Batch batch{torch::randn({6, 1, 8, 8}), torch::randint(0, 5, {6})};
  auto grads = [&](const ExperimentConfig& cfg, ModelPtr& m) {
    torch::manual_seed(6);
    m = make_model(cfg, spec);
    auto obj = make_objective(cfg, Task::classification, 4);
    obj->begin_step(*m, 0, 10);
    obj->compute(*m, batch, 0, 10).total.backward();
    std::vector<torch::Tensor> g;
    for (auto& p : m->parameters()) g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    return g;
  };
  auto cp = make(""), cn = make("  head_gradient: normalised\n");
  ModelPtr mp, mn;
  auto gp = grads(cp, mp), gn = grads(cn, mn);
  REQUIRE(&mp->head_module(1) == &mp->head_module(2));
  std::map<const void*, double> share;  // stage 1 serves exits 1, 2 (0.1 + 0.2); stage 2 3, 4
  for (auto& p : mp->head_module(1).parameters()) share[p.unsafeGetTensorImpl()] = 0.3;
  for (auto& p : mp->head_module(3).parameters()) share[p.unsafeGetTensorImpl()] = 0.7;
  auto params = mp->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    INFO("parameter " << i);
    auto it = share.find(params[i].unsafeGetTensorImpl());
    CHECK(torch::allclose(gn[i], gp[i] / (it == share.end() ? 1.0 : it->second), 1e-4, 1e-7));
  }
}

// Guards LossEma and the adaptive branch of DepthSum::weights, and the state round trip.
TEST_CASE("objective option loss.weights adaptive: w_l proportional to 1/EMA of its loss") {
  Surface s("  weights: adaptive\n  adaptive_decay: 0.5\n");
  auto obj = make_objective(s.cfg, Task::regression, kDepth);
  auto first = s.step(*obj);
  std::vector<double> l1, inv;
  for (int64_t l = 0; l < kDepth; ++l) l1.push_back(first.per_depth[l].item<double>());
  double sum_inv = 0;
  for (double v : l1) sum_inv += 1 / v;
  for (double v : l1) inv.push_back(1 / v / sum_inv);
  // Each term weighs 1/ℓ_l normalised: the total is N / Σ 1/ℓ_l.
  CHECK(first.total.item<double>() == Approx(weighted(inv, l1)).epsilon(1e-5));
  CHECK(first.total.item<double>() == Approx(kDepth / sum_inv).epsilon(1e-5));
  // A second batch moves the average half way (decay 0.5).
  torch::manual_seed(9);
  s.batch = {torch::randn({16, 2}), torch::randn({16, 1})};
  auto second = s.step(*obj, 1);
  std::vector<double> ema, l2;
  for (int64_t l = 0; l < kDepth; ++l) {
    l2.push_back(second.per_depth[l].item<double>());
    ema.push_back(0.5 * l1[l] + 0.5 * l2[l]);
  }
  std::vector<double> w;
  double s2 = 0;
  for (double e : ema) s2 += 1 / e;
  for (double e : ema) w.push_back(1 / e / s2);
  CHECK(second.total.item<double>() == Approx(weighted(w, l2)).epsilon(1e-5));
  // The state carries the averages: a fresh objective that loads it weighs the same.
  auto state = obj->state();
  REQUIRE(state.defined());
  CHECK(state.size(0) == kDepth);
  auto again = make_objective(s.cfg, Task::regression, kDepth);
  again->load_state(state);
  auto fresh = make_objective(s.cfg, Task::regression, kDepth);
  const double a = s.step(*again, 2).total.item<double>(), b = s.step(*obj, 2).total.item<double>();
  CHECK(a == b);
  CHECK(s.step(*fresh, 2).total.item<double>() != Approx(b).epsilon(1e-6));
  CHECK_THROWS_WITH(again->load_state(torch::zeros({3}, torch::kFloat64)),
                    Catch::Contains("holds 3 loss averages for 4 depths"));
}

TEST_CASE("loss EMA: exits not computed keep their average, unknown ones get the mean weight") {
  LossEma e(3, 0.9);
  const double nan = std::nan("");
  e.update({1.0, nan, 4.0});
  auto w = e.weights();  // 1, (1 + 0.25)/2, 0.25 before normalising
  CHECK(w[0] == Approx(1.0 / 1.875));
  CHECK(w[1] == Approx(0.625 / 1.875));
  e.update({2.0, 1.0, nan});
  auto s = e.state();
  CHECK(s[0].item<double>() == Approx(1.1));
  CHECK(s[1].item<double>() == Approx(1.0));
  CHECK(s[2].item<double>() == Approx(4.0));
}

// Guards shape_depth_weights' first branch and its use in DepthSum::weights.
TEST_CASE("objective option loss.final_weight: the deepest exit weighs k times the others together") {
  auto w = shape_depth_weights(depth_weights("uniform", kDepth), 3.0, 0.0, 0.5);
  CHECK(w[3] == Approx(0.75));
  CHECK(w[0] == Approx(1.0 / 12));
  Surface s("  final_weight: 3\n");
  auto obj = make_objective(s.cfg, Task::regression, kDepth);
  auto out = s.step(*obj);
  std::vector<double> l;
  for (int64_t d = 0; d < kDepth; ++d) l.push_back(out.per_depth[d].item<double>());
  CHECK(out.total.item<double>() == Approx(weighted(w, l)).epsilon(1e-5));
}

// Guards shape_depth_weights' ramp and the progress DepthSum passes it.
TEST_CASE("objective option loss.aux_ramp: exits below N grow from 1% of their weight") {
  auto start = shape_depth_weights(depth_weights("uniform", kDepth), 0, 0.5, 0.0);
  CHECK(start[0] / start[3] == Approx(0.01));
  auto mid = shape_depth_weights(depth_weights("uniform", kDepth), 0, 0.5, 0.25);
  CHECK(mid[0] / mid[3] == Approx(0.5));
  auto done = shape_depth_weights(depth_weights("uniform", kDepth), 0, 0.5, 0.75);
  CHECK(done[0] == Approx(0.25));
  Surface s("  aux_ramp: 0.5\n");
  auto obj = make_objective(s.cfg, Task::regression, kDepth);
  auto out = s.step(*obj, 25, 100);  // progress 0.25: half way up the ramp
  std::vector<double> l;
  for (int64_t d = 0; d < kDepth; ++d) l.push_back(out.per_depth[d].item<double>());
  CHECK(out.total.item<double>() == Approx(weighted(mid, l)).epsilon(1e-5));
}

// Guards exit_curriculum.cpp's gradual branch and its use in DepthSum::compute.
TEST_CASE("objective option loss.curriculum gradual: deep exits first, all on by mid-run") {
  LossSection loss;
  loss.curriculum = "gradual";
  // N = 4, T = 120: exit l switches on at step (4 - l) * 20.
  auto on = [&](int64_t step) { return active_exits(loss, 4, step, 120); };
  CHECK(on(0) == std::vector<bool>{false, false, false, true});
  CHECK(on(19) == std::vector<bool>{false, false, false, true});
  CHECK(on(20) == std::vector<bool>{false, false, true, true});
  CHECK(on(59) == std::vector<bool>{false, true, true, true});
  CHECK(on(60) == std::vector<bool>{true, true, true, true});
  CHECK(on(119) == std::vector<bool>{true, true, true, true});
  Surface s("  curriculum: gradual\n");
  auto obj = make_objective(s.cfg, Task::regression, kDepth);
  auto early = s.step(*obj, 10, 120);
  CHECK(std::isnan(early.per_depth[0].item<double>()));  // exit 1 not computed yet
  CHECK(early.total.item<double>() == Approx(early.per_depth[3].item<double>()));
  auto late = s.step(*obj, 60, 120);
  CHECK_FALSE(std::isnan(late.per_depth[0].item<double>()));
}

// Guards DepthSum::in_e2e_phase.
TEST_CASE("objective option loss.e2e_fraction: E2E first, then the LPA objective") {
  Surface s("  e2e_fraction: 0.3\n");
  auto obj = make_objective(s.cfg, Task::regression, kDepth);
  auto e2e = s.step(*obj, 29, 100);
  CHECK(e2e.total.item<double>() == Approx(e2e.per_depth[3].item<double>()));
  auto lpa = s.step(*obj, 30, 100);
  double mean = lpa.per_depth.mean().item<double>();
  CHECK(lpa.total.item<double>() == Approx(mean).epsilon(1e-5));
  CHECK(lpa.total.item<double>() != Approx(lpa.per_depth[3].item<double>()));
}

// Every family trains with every option on: one step's loss is finite and its gradients reach
// the stem, the values the options change differ from plain LPA.
TEST_CASE("objective options: every model family takes all of them together") {
  struct Family {
    std::string yaml;
    DataSpec spec;
    Batch batch;
  };
  std::vector<Family> families;
  {
    Family f;
    f.yaml = "model:\n  type: resnet\n  stages: [2, 2]\n  widths: [4, 8]\n  head: per_stage\ndata:\n  type: cifar10\n";
    f.spec.task = Task::classification;
    f.spec.input_shape = {3, 8, 8};
    f.spec.output_dim = 5;
    f.batch = {torch::randn({6, 3, 8, 8}), torch::randint(0, 5, {6})};
    families.push_back(f);
  }
  {
    Family f;
    f.yaml = "model:\n  type: transformer\n  depth: 3\n  width: 16\n  heads: 2\ndata:\n  type: text\n  seq_len: 12\n";
    auto cfg = parse_config(f.yaml, "t.yaml");
    f.spec = text_lm_spec(cfg);
    f.batch = {torch::randint(0, 256, {3, 12}), torch::randint(0, 256, {3, 12})};
    families.push_back(f);
  }
  const std::string options =
      "loss:\n  kind: lpa\n  weights: adaptive\n  distill_alpha: 0.5\n  distill_temperature: 2\n"
      "  gradient_equilibrium: true\n  final_weight: 2\n  aux_ramp: 0.5\n  curriculum: gradual\n";
  for (const auto& f : families) {
    INFO(f.yaml);
    auto cfg = parse_config(f.yaml + options, "t.yaml");
    auto plain_cfg = parse_config(f.yaml + "loss:\n  kind: lpa\n", "t.yaml");
    torch::manual_seed(5);
    auto model = make_model(cfg, f.spec);
    const int64_t n = model->depth();
    auto obj = make_objective(cfg, f.spec.task, n);
    auto plain = make_objective(plain_cfg, f.spec.task, n);
    obj->begin_step(*model, 90, 100);
    auto out = obj->compute(*model, f.batch, 90, 100);
    REQUIRE(std::isfinite(out.total.item<double>()));
    out.total.backward();
    bool stem_grad = false;
    for (auto& p : model->stem_module().parameters())
      stem_grad = stem_grad || (p.grad().defined() && p.grad().abs().sum().item<double>() > 0);
    CHECK(stem_grad);
    CHECK(out.total.item<double>() != Approx(plain->compute(*model, f.batch, 90, 100).total.item<double>()));
  }
}

// Guards the temperature reaching distillation_loss in DepthSum::compute: a classifier's total
// is the hand-computed mix at T = 2 and differs from the mix at the default T = 3.
TEST_CASE("objective option loss.distill_temperature: the KL term is taken at that temperature") {
  auto cfg = parse_config(
      "model:\n  depth: 3\n  width: 8\n  head: per_depth\ndata:\n  type: idx\n  flatten: true\n"
      "loss:\n  kind: lpa\n  weights: uniform\n  distill_alpha: 0.5\n  distill_temperature: 2\n",
      "t.yaml");
  DataSpec spec;
  spec.task = Task::classification;
  spec.input_shape = {4};
  spec.output_dim = 3;
  torch::manual_seed(3);
  auto model = make_model(cfg, spec);
  torch::manual_seed(4);
  Batch b{torch::randn({10, 4}), torch::randint(0, 3, {10})};
  auto obj = make_objective(cfg, Task::classification, 3);
  obj->begin_step(*model, 0, 10);
  const double total = obj->compute(*model, b, 0, 10).total.item<double>();
  torch::NoGradGuard g;
  auto outs = model->forward_all(b.x, 3);
  auto mix = [&](double t) {
    double s = 0;
    for (int64_t l = 0; l < 3; ++l) {
      double own = task_loss(Task::classification, outs[l], b.y).item<double>();
      s += l < 2 ? 0.5 * own + 0.5 * distillation_loss(Task::classification, outs[l], outs[2], t).item<double>()
                 : own;
    }
    return s / 3;
  };
  CHECK(total == Approx(mix(2.0)).epsilon(1e-5));
  CHECK(mix(2.0) != Approx(mix(3.0)).epsilon(1e-4));
}
