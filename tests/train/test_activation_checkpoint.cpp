// train.activation_checkpointing (train/activation_checkpoint.h): each block recomputed in
// backward gives the same loss and the same gradient for every parameter as the stored graph,
// with dropout (its random numbers replayed), after a stop-gradient (local LPA), and under bf16
// autocast.
#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/data/text_dataset.h"
#include "lpa/models/registry.h"
#include "lpa/models/residual_mlp.h"
#include "lpa/objectives/objective.h"
#include "lpa/train/activation_checkpoint.h"
#include "lpa/train/precision.h"

using namespace lpa;

namespace {

ModelPtr tiny_transformer(double dropout) {
  auto cfg = parse_config("model:\n  type: transformer\n  depth: 3\n  width: 16\n  heads: 2\n  dropout: " +
                              std::to_string(dropout) + "\ndata:\n  type: text\n  seq_len: 10\n",
                          "t.yaml");
  torch::manual_seed(3);
  return make_model(cfg, text_lm_spec(cfg));
}

// Sum of every exit's mean logit (a loss that reaches every block and head), and the gradients.
std::pair<double, std::vector<torch::Tensor>> loss_and_grads(DepthwiseModel& m, const torch::Tensor& x,
                                                               ForwardOptions o, uint64_t seed) {
  m.zero_grad();
  torch::manual_seed(seed);
  torch::Tensor loss = torch::zeros({});
  for (const auto& out : m.forward_all(x, m.depth(), o)) loss = loss + out.pow(2).mean();
  loss.backward();
  std::vector<torch::Tensor> grads;
  for (const auto& p : m.parameters()) grads.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
  return {loss.item<double>(), grads};
}

void check_same(DepthwiseModel& m, const torch::Tensor& x, ForwardOptions plain, double tol) {
  ForwardOptions ckpt = plain;
  ckpt.run_block = [&m](int64_t l, const torch::Tensor& h) { return checkpointed_block(m, l, h); };
  const auto [loss_a, grads_a] = loss_and_grads(m, x, plain, 11);
  const auto [loss_b, grads_b] = loss_and_grads(m, x, ckpt, 11);
  CHECK(loss_a == Approx(loss_b).epsilon(1e-6));
  REQUIRE(grads_a.size() == grads_b.size());
  double worst = 0, largest = 0;
  for (size_t i = 0; i < grads_a.size(); ++i) {
    worst = std::max(worst, (grads_a[i] - grads_b[i]).abs().max().item<double>());
    largest = std::max(largest, grads_a[i].abs().max().item<double>());
  }
  INFO("max gradient difference " << worst << " (largest gradient " << largest << ")");
  CHECK(largest > 0);
  CHECK(worst <= tol);
}

}  // namespace

TEST_CASE("activation checkpointing: the same loss and gradients as the stored graph, dropout replayed") {
  auto m = tiny_transformer(0.2);
  m->train();
  const torch::Tensor x = torch::randint(256, {4, 10}, torch::kLong);
  check_same(*m, x, {}, 1e-6);
}

TEST_CASE("activation checkpointing: blocks after a stop-gradient still get their gradients") {
  auto m = tiny_transformer(0.0);
  m->train();
  const torch::Tensor x = torch::randint(256, {4, 10}, torch::kLong);
  ForwardOptions local;
  local.stop_gradient = true;
  check_same(*m, x, local, 1e-6);
}

TEST_CASE("activation checkpointing: the recomputation runs under the forward's autocast") {
  auto m = tiny_transformer(0.0);
  m->train();
  const torch::Tensor x = torch::randint(256, {4, 10}, torch::kLong);
  AutocastGuard bf16(Precision::bf16, torch::kCPU);
  // bf16 rounding in both passes: the same operations in the same dtype, so the same numbers.
  check_same(*m, x, {}, 1e-6);
}

TEST_CASE("activation checkpointing: without grad mode it is the plain block") {
  auto m = tiny_transformer(0.0);
  m->eval();
  torch::NoGradGuard g;
  const torch::Tensor h = m->stem(torch::randint(256, {2, 10}, torch::kLong));
  CHECK(torch::equal(checkpointed_block(*m, 1, h), m->block(1, h)));
}

namespace {

// A residual MLP that counts the block evaluations: the stored graph runs each block once per
// step, checkpointing twice (forward, then again in backward).
class BlockCounter : public ResidualMlp {
 public:
  using ResidualMlp::ResidualMlp;
  torch::Tensor block(int64_t l, const torch::Tensor& h) override {
    ++blocks;
    return ResidualMlp::block(l, h);
  }
  int64_t blocks = 0;
};

std::pair<int64_t, double> blocks_per_step(const std::string& loss, bool checkpointing) {
  const ExperimentConfig cfg = parse_config(
      "model:\n  depth: 4\n  width: 8\nloss:\n" + loss + "train:\n  steps: 100\n  activation_checkpointing: " +
          (checkpointing ? "true" : "false") + "\n",
      "t.yaml");
  torch::manual_seed(5);
  BlockCounter model(2, 1, cfg.model);
  const Batch batch{torch::randn({16, 2}), torch::randn({16, 1})};
  auto obj = make_objective(cfg, Task::regression, 4);
  obj->begin_step(model, 10, 100);
  LossOutput out = obj->compute(model, batch, 10, 100);
  out.total.backward();
  return {model.blocks, out.total.item<double>()};
}

}  // namespace

TEST_CASE("activation checkpointing: train.activation_checkpointing recomputes every block in the step's backward") {
  for (const std::string loss : {"  kind: lpa\n", "  kind: e2e\n", "  kind: lpa\n  mode: local\n"}) {
    INFO(loss);
    const auto plain = blocks_per_step(loss, false), ckpt = blocks_per_step(loss, true);
    CHECK(plain.first == 4);
    CHECK(ckpt.first == 8);
    CHECK(ckpt.second == Approx(plain.second).epsilon(1e-12));
  }
}
