// Real early exit (early_exit_forward): every sample stops where the simulated early exit of
// one forward_all says, later blocks see only the samples still running, and the cost table
// counts the exits' heads and sureness.
#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/data/text_classification_dataset.h"
#include "lpa/eval/early_exit.h"
#include "lpa/models/registry.h"
#include "lpa/models/residual_mlp.h"

using namespace lpa;

namespace {

// A residual MLP that records the batch each block receives.
class CountingMlp : public ResidualMlp {
 public:
  using ResidualMlp::ResidualMlp;
  torch::Tensor block(int64_t l, const torch::Tensor& h) override {
    batches[l] = h.size(0);
    return ResidualMlp::block(l, h);
  }
  std::map<int64_t, int64_t> batches;
};

// What a sample gets under `rule` from all depths' logits at once (the simulation the curves
// in early_exit.csv are made from).
ExitPredictions simulated(DepthwiseModel& m, const torch::Tensor& x, int64_t depth, const ExitRule& rule) {
  torch::NoGradGuard g;
  auto outs = m.forward_all(x, depth);
  const int64_t n = x.size(0);
  ExitPredictions p{torch::zeros({n}, torch::kLong), torch::zeros({n}), torch::full({n}, depth, torch::kLong)};
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t l = 1; l <= depth; ++l) {
      auto logits = outs[l - 1].narrow(0, i, 1);
      const double s = sureness(logits, rule.criterion).item<double>();
      if (l == depth || s >= to_sureness(rule.threshold, rule.criterion)) {
        p.prediction[i] = logits.argmax(1).item<int64_t>();
        p.sureness[i] = rule.criterion == ExitCriterion::confidence ? s : -s;
        p.exit_depth[i] = l;
        break;
      }
    }
  }
  return p;
}

// A threshold that stops about half the samples early and keeps the others to the end: the
// median over samples of their surest shallow exit.
double median_threshold(DepthwiseModel& m, const torch::Tensor& x, int64_t depth, ExitCriterion c) {
  torch::NoGradGuard g;
  std::vector<torch::Tensor> s;
  auto outs = m.forward_all(x, depth);
  for (int64_t l = 0; l + 1 < depth; ++l) s.push_back(sureness(outs[l], c));
  const double med = std::get<0>(torch::stack(s, 1).max(1)).median().item<double>();
  return c == ExitCriterion::confidence ? med : -med;
}

void check_same(const ExitPredictions& got, const ExitPredictions& want) {
  CHECK(torch::equal(got.exit_depth.cpu(), want.exit_depth));
  CHECK(torch::equal(got.prediction.cpu(), want.prediction));
  CHECK(torch::allclose(got.sureness.cpu(), want.sureness.to(torch::kFloat), 1e-5, 1e-6));
}

}  // namespace

TEST_CASE("early exit forward: samples stop where the simulation says and the batch shrinks") {
  auto cfg = parse_config("model:\n  depth: 5\n  width: 16\n  head: per_depth\n", "t.yaml");
  torch::manual_seed(3);
  auto m = std::make_shared<CountingMlp>(2, 4, cfg.model);
  {
    torch::NoGradGuard g;  // sharper logits: sureness spreads over (0.25, 1)
    for (auto& p : m->parameters()) p.mul_(2.5);
  }
  m->eval();
  const torch::Tensor x = torch::randn({200, 2});
  for (ExitCriterion c : {ExitCriterion::confidence, ExitCriterion::entropy}) {
    INFO(to_string(c));
    const ExitRule rule{c, median_threshold(*m, x, 5, c)};
    const ExitPredictions want = simulated(*m, x, 5, rule);
    m->batches.clear();
    const ExitPredictions got = early_exit_forward(*m, x, 5, rule);
    check_same(got, want);
    // Some stop early, some run to the end: the test exercises both.
    CHECK(want.exit_depth.lt(5).any().item<bool>());
    CHECK(want.exit_depth.eq(5).any().item<bool>());
    CHECK(m->batches.at(1) == 200);
    for (int64_t l = 2; l <= 5; ++l) {
      INFO("block " << l);
      CHECK(m->batches.at(l) == want.exit_depth.ge(l).sum().item<int64_t>());
    }
  }
  // Truncated at depth 3: nobody goes beyond it.
  const ExitRule rule{ExitCriterion::confidence, 0.99};
  CHECK(early_exit_forward(*m, x, 3, rule).exit_depth.max().item<int64_t>() <= 3);
  check_same(early_exit_forward(*m, x, 3, rule), simulated(*m, x, 3, rule));
}

TEST_CASE("early exit forward: without a rule every sample runs to the depth asked") {
  auto cfg = parse_config("model:\n  depth: 3\n  width: 8\n", "t.yaml");
  DataSpec spec;
  spec.task = Task::classification;
  spec.input_shape = {2};
  spec.output_dim = 3;
  torch::manual_seed(1);
  auto m = make_model(cfg, spec);
  m->eval();
  const torch::Tensor x = torch::randn({17, 2});
  const ExitPredictions p = early_exit_forward(*m, x, 2, std::nullopt);
  CHECK(p.exit_depth.eq(2).all().item<bool>());
  torch::NoGradGuard g;
  const torch::Tensor logits = m->forward(x, 2);
  CHECK(torch::equal(p.prediction, logits.argmax(1)));
  CHECK(torch::allclose(p.sureness, std::get<0>(torch::softmax(logits, 1).max(1)), 1e-5, 1e-6));
}

TEST_CASE("early exit forward: a Transformer classifier's masks follow the samples that go on") {
  for (const std::string pool : {"mean", "cls"}) {
    INFO(pool);
    auto cfg = parse_config("model:\n  type: transformer\n  depth: 4\n  width: 16\n  heads: 2\n  causal: false\n  pool: " +
                                pool + "\n  head: per_depth\ndata:\n  type: text_classification\n  seq_len: 10\n",
                            "t.yaml");
    DataSpec spec;
    spec.task = Task::classification;
    spec.input_shape = {10};
    spec.output_dim = 3;
    torch::manual_seed(8);
    auto m = make_model(cfg, spec);
    {
      torch::NoGradGuard g;
      for (auto& p : m->parameters()) p.mul_(2.0);
    }
    m->eval();
    // Documents of every length 1..10 (padding differs per row), some repeated.
    std::vector<std::string> docs;
    for (int i = 0; i < 40; ++i) docs.push_back(std::string(1 + i % 10, static_cast<char>('a' + (i * 7) % 26)) + "xyz");
    const torch::Tensor x = encode_documents(docs, 10);
    const ExitRule rule{ExitCriterion::confidence, median_threshold(*m, x, 4, ExitCriterion::confidence)};
    const ExitPredictions want = simulated(*m, x, 4, rule);
    CHECK(want.exit_depth.lt(4).any().item<bool>());
    CHECK(want.exit_depth.eq(4).any().item<bool>());
    check_same(early_exit_forward(*m, x, 4, rule), want);
  }
}

TEST_CASE("early exit cost: heads tried and sureness are counted") {
  auto cfg = parse_config("model:\n  type: resnet\n  stages: [2, 2]\n  widths: [4, 8]\n  head: per_stage\ndata:\n  type: idx\n",
                          "t.yaml");
  DataSpec spec;
  spec.task = Task::classification;
  spec.input_shape = {1, 8, 8};
  spec.output_dim = 5;
  auto m = make_model(cfg, spec);
  const std::vector<double> cost = exit_mflops(*m, 4, 5);
  REQUIRE(cost.size() == 4);
  const double sure = 5.0 * 5;  // 5 operations per class and decision
  double heads = 0;
  for (int64_t l = 1; l <= 4; ++l) {
    INFO("depth " << l);
    const double decisions = l < 4 ? l : 3;
    CHECK(cost[l - 1] * 1e6 == Approx(m->flops_per_sample(l) + heads + decisions * sure));
    heads += m->head_flops_per_sample(l);
  }
  // The heads differ by stage: a wider stage's head costs more.
  CHECK(m->head_flops_per_sample(4) > m->head_flops_per_sample(1));
  CHECK(cost[3] > m->flops_per_sample(4) / 1e6);
}
