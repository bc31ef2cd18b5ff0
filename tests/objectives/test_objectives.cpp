#include <algorithm>
#include <cmath>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/models/registry.h"
#include "lpa/models/residual_mlp.h"
#include "lpa/objectives/depth_weights.h"
#include "lpa/objectives/objective.h"
#include "lpa/objectives/sequential.h"

using namespace lpa;

namespace {

struct Fixture {
  ExperimentConfig cfg;
  ModelPtr model;
  Batch batch;
  Fixture(const std::string& loss_yaml, const std::string& head = "per_depth") {
    cfg = parse_config("model:\n  depth: 4\n  width: 8\n  head: " + head + "\nloss:\n" + loss_yaml, "t.yaml");
    DataSpec spec;
    spec.input_shape = {2};
    torch::manual_seed(3);
    model = make_model(cfg, spec);
    batch = {torch::randn({16, 2}), torch::randn({16, 1})};
  }
  // Runs one objective step at `step` of `total`, back-propagates the objective's own loss and
  // returns which modules received gradients.
  std::vector<bool> grads(int64_t step = 0, int64_t total = 100) {
    auto obj = make_objective(cfg, Task::regression, 4);
    obj->begin_step(*model, step, total);
    for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
    LossOutput out = obj->compute(*model, batch, step, total);
    out.total.backward();
    auto has = [](torch::nn::Module& m) {
      for (auto& p : m.parameters())
        if (p.grad().defined() && p.grad().abs().sum().item<double>() > 0) return true;
      return false;
    };
    std::vector<bool> g = {has(model->stem_module())};
    for (int64_t l = 1; l <= 4; ++l) g.push_back(has(model->block_module(l)));
    for (int64_t l = 1; l <= 4; ++l) g.push_back(has(model->head_module(l)));
    return g;  // stem, blocks 1..4, heads 1..4
  }
};

}  // namespace

TEST_CASE("depth weights: kinds, normalised") {
  auto u = depth_weights("uniform", 4);
  CHECK(u[0] == Approx(0.25));
  auto lin = depth_weights("linear", 4);
  CHECK(lin[3] == Approx(0.4));
  CHECK(lin[0] == Approx(0.1));
  auto sq = depth_weights("sqrt", 4);
  CHECK(sq[3] / sq[0] == Approx(2.0));
  auto inv = depth_weights("inverse", 4);
  CHECK(inv[0] / inv[3] == Approx(4.0));
  auto list = depth_weights("list", 3, {0, 1, 3});
  CHECK(list[2] == Approx(0.75));
  CHECK(list[0] == 0.0);
  auto sdn_early = depth_weights("sdn", 4, {}, 0.0), sdn_late = depth_weights("sdn", 4, {}, 1.0);
  CHECK(sdn_early[0] < sdn_late[0]);  // internal exits ramp up over training
}

TEST_CASE("objective e2e: only the last head gets gradients") {
  Fixture f("  kind: e2e\n");
  auto g = f.grads();
  CHECK(g[0]);  // stem
  for (int l = 1; l <= 4; ++l) CHECK(g[l]);  // all blocks feed the last depth
  CHECK_FALSE(g[5]);
  CHECK_FALSE(g[6]);
  CHECK_FALSE(g[7]);
  CHECK(g[8]);
}

TEST_CASE("objective joint: every head and block gets gradients") {
  Fixture f("  kind: lpa\n  mode: joint\n");
  for (bool b : f.grads()) CHECK(b);
}

// Guards `o.stop_gradient = local_` (objectives/objective.cpp) and the mode's dispatch in
// make_objective: weights that keep only the depth-l term make the objective's own loss that term.
TEST_CASE("objective local: the depth-l term reaches block l and not the blocks before it") {
  for (int64_t l = 2; l <= 4; ++l) {
    std::string w = "[";
    for (int64_t k = 1; k <= 4; ++k) w += std::string(k > 1 ? ", " : "") + (k == l ? "1" : "0");
    Fixture local("  kind: lpa\n  mode: local\n  weights: " + w + "]\n");
    auto g = local.grads();
    INFO("depth term " << l);
    CHECK_FALSE(g[0]);  // stem
    for (int64_t k = 1; k <= 4; ++k) CHECK(g[k] == (k == l));
    for (int64_t k = 1; k <= 4; ++k) CHECK(g[4 + k] == (k == l));  // only head l
    // The same term in joint mode reaches every block up to l: the cut is local mode's doing.
    Fixture joint("  kind: lpa\n  mode: joint\n  weights: " + w + "]\n");
    auto gj = joint.grads();
    CHECK(gj[0]);
    for (int64_t k = 1; k <= 4; ++k) CHECK(gj[k] == (k <= l));
  }
  Fixture f1("  kind: lpa\n  mode: local\n  weights: [1, 0, 0, 0]\n");
  auto g1 = f1.grads();
  CHECK(g1[0]);  // depth 1 trains the stem with block 1
  CHECK(g1[1]);
  CHECK_FALSE(g1[2]);
}

TEST_CASE("objective local: the full loss equals the weighted sum of depth losses") {
  Fixture f("  kind: lpa\n  mode: local\n  weights: linear\n");
  auto obj = make_objective(f.cfg, Task::regression, 4);
  auto out = obj->compute(*f.model, f.batch, 0, 10);
  auto w = depth_weights("linear", 4);
  double expect = 0;
  for (int l = 0; l < 4; ++l) expect += w[l] * out.per_depth[l].item<double>();
  CHECK(out.total.item<double>() == Approx(expect).epsilon(1e-5));
}

TEST_CASE("objective sequential: stages train one block, earlier blocks frozen") {
  Fixture f("  kind: lpa\n  mode: sequential\n");
  CHECK(sequential_stage(0, 100, 4) == 1);
  CHECK(sequential_stage(49, 100, 4) == 2);
  CHECK(sequential_stage(99, 100, 4) == 4);
  auto g1 = f.grads(0, 100);
  CHECK(g1 == std::vector<bool>{true, true, false, false, false, true, false, false, false});
  auto g3 = f.grads(60, 100);
  CHECK(g3 == std::vector<bool>{false, false, false, true, false, false, false, true, false});
  CHECK_FALSE(f.model->block_module(1).is_training());  // frozen blocks stay in eval mode
  auto obj = make_objective(f.cfg, Task::regression, 4);
  CHECK(obj->schedule_window(60, 100) == std::pair<int64_t, int64_t>{50, 25});
}

TEST_CASE("objective rotational curriculum computes only active exits") {
  Fixture f("  kind: lpa\n  curriculum: rotational\n  rotation_period: 2\n");
  auto obj = make_objective(f.cfg, Task::regression, 4);
  auto out = obj->compute(*f.model, f.batch, 0, 10);
  CHECK(std::isnan(out.per_depth[0].item<double>()));
  CHECK_FALSE(std::isnan(out.per_depth[1].item<double>()));
  CHECK_FALSE(std::isnan(out.per_depth[3].item<double>()));  // last exit always
}

// Guards `o.layer_drop = cfg_.loss.layer_drop` in both objectives: with a shared head, a skipped
// last block makes depth N's loss equal depth N-1's exactly; without layer dropout it never does.
TEST_CASE("objectives: loss.layer_drop skips blocks while training, e2e and lpa") {
  for (std::string kind : {"e2e", "lpa"}) {
    auto skips = [&](const std::string& drop) {
      Fixture f("  kind: " + kind + "\n  layer_drop: " + drop + "\n", "shared");
      auto obj = make_objective(f.cfg, Task::regression, 4);
      int n = 0;
      for (int64_t step = 0; step < 20; ++step) {
        obj->begin_step(*f.model, step, 20);
        auto out = obj->compute(*f.model, f.batch, step, 20);
        n += out.per_depth[3].item<double>() == out.per_depth[2].item<double>();
      }
      return n;
    };
    INFO(kind);
    CHECK(skips("0.0") == 0);
    CHECK(skips("0.95") >= 10);  // block 4 is skipped with probability 0.95
  }
}

// Guards `cfg_.loss.label_smoothing` reaching the task loss: the objective's loss equals
// (1-e) * NLL + e * mean over classes of -log p, computed here by hand.
TEST_CASE("objectives: loss.label_smoothing is the smoothed cross-entropy") {
  auto cfg = parse_config("model:\n  depth: 2\n  width: 8\ndata:\n  type: idx\n  flatten: true\n"
                          "loss:\n  kind: e2e\n  label_smoothing: 0.3\n", "t.yaml");
  DataSpec spec;
  spec.input_shape = {3};
  spec.task = Task::classification;
  spec.output_dim = 5;
  torch::manual_seed(4);
  auto model = make_model(cfg, spec);
  Batch b{torch::randn({12, 3}), torch::randint(0, 5, {12}, torch::kLong)};
  auto obj = make_objective(cfg, Task::classification, 2);
  auto out = obj->compute(*model, b, 0, 1);
  auto logp = torch::log_softmax(model->forward(b.x, 2), 1).to(torch::kDouble);
  auto nll = -logp.gather(1, b.y.unsqueeze(1)).mean().item<double>();
  auto uniform = -logp.mean(1).mean().item<double>();
  CHECK(out.total.item<double>() == Approx(0.7 * nll + 0.3 * uniform).epsilon(1e-5));
  CHECK(out.total.item<double>() != Approx(nll).epsilon(1e-3));
}

namespace {

// A residual MLP that records which blocks ran in each forward.
class BlockRecorder : public ResidualMlp {
 public:
  using ResidualMlp::ResidualMlp;
  torch::Tensor block(int64_t l, const torch::Tensor& h) override {
    ran.push_back(l);
    return ResidualMlp::block(l, h);
  }
  std::vector<int64_t> ran;
};

ExperimentConfig drop_cfg(const std::string& extra = "") {
  return parse_config("model:\n  depth: 4\n  width: 8\n  head: shared\nloss:\n  kind: lpa\n  layer_drop: 0.8\n" + extra,
                      "t.yaml");
}

}  // namespace

TEST_CASE("layer dropout: the rate rises linearly, or exponentially as LayerSkip's, and never drops block 1 then") {
  ForwardOptions lin, expo;
  lin.layer_drop = expo.layer_drop = 0.8;
  expo.layer_drop_exponential = true;
  CHECK(layer_drop_rate(lin, 1, 4) == Approx(0.2));
  CHECK(layer_drop_rate(lin, 4, 4) == Approx(0.8));
  CHECK(layer_drop_rate(expo, 1, 4) == 0.0);
  CHECK(layer_drop_rate(expo, 2, 4) == Approx(0.8 * (std::pow(2.0, 1.0 / 3.0) - 1.0)));
  CHECK(layer_drop_rate(expo, 4, 4) == Approx(0.8));
  // Counted over 400 seeds: block 1 skipped ~20% of passes with the linear rise, never with the
  // exponential one; block 4 ~80% with both.
  const auto cfg = drop_cfg();
  BlockRecorder m(2, 1, cfg.model);
  m.train();
  const torch::Tensor x = torch::randn({3, 2});
  for (bool exponential : {false, true}) {
    ForwardOptions o;
    o.layer_drop = 0.8;
    o.layer_drop_exponential = exponential;
    std::vector<int> skipped(5, 0);
    for (int64_t seed = 0; seed < 400; ++seed) {
      o.layer_drop_seed = seed;
      m.ran.clear();
      m.forward_all(x, 4, o);
      for (int64_t l = 1; l <= 4; ++l) skipped[l] += std::count(m.ran.begin(), m.ran.end(), l) == 0;
    }
    INFO((exponential ? "exponential" : "linear") << ": block 1 skipped " << skipped[1] << ", block 4 " << skipped[4]);
    if (exponential) CHECK(skipped[1] == 0);
    else CHECK(std::abs(skipped[1] - 80) <= 25);
    CHECK(std::abs(skipped[4] - 320) <= 30);
  }
}

TEST_CASE("layer dropout: the objective draws the skips from train.seed and the step, the same on a rerun") {
  auto blocks_at = [](const ExperimentConfig& cfg, int64_t step) {
    torch::manual_seed(1);
    BlockRecorder m(2, 1, cfg.model);
    m.train();
    torch::manual_seed(999 + step);  // the global generator must not matter
    auto obj = make_objective(cfg, Task::regression, 4);
    obj->begin_step(m, step, 100);
    obj->compute(m, {torch::randn({4, 2}), torch::randn({4, 1})}, step, 100);
    return m.ran;
  };
  const auto cfg = drop_cfg(), exp_cfg = drop_cfg("  layer_drop_shape: exponential\n");
  const auto other_seed = parse_config("model:\n  depth: 4\n  width: 8\n  head: shared\nloss:\n  kind: lpa\n"
                                       "  layer_drop: 0.8\ntrain:\n  seed: 7\n", "t.yaml");
  int differ_by_step = 0, differ_by_seed = 0;
  for (int64_t step = 0; step < 20; ++step) {
    const auto a = blocks_at(cfg, step);
    CHECK(a == blocks_at(cfg, step));  // the same (seed, step): the same blocks, whatever the global state
    differ_by_step += a != blocks_at(cfg, step + 1);
    differ_by_seed += a != blocks_at(other_seed, step);
    const auto e = blocks_at(exp_cfg, step);
    CHECK((!e.empty() && e.front() == 1));  // exponential: block 1 always runs
  }
  CHECK(differ_by_step >= 10);
  CHECK(differ_by_seed >= 10);
}
