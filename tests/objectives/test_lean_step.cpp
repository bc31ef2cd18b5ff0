// The lean step (Objective::set_logging): on a step that does not log, an objective computes
// only the exits its loss needs and no per-depth log values, and its loss is the same as on a
// step that logs.
#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/models/residual_mlp.h"
#include "lpa/objectives/objective.h"

using namespace lpa;

namespace {

// A residual MLP that counts the heads it evaluates.
class HeadCounter : public ResidualMlp {
 public:
  using ResidualMlp::ResidualMlp;
  torch::Tensor head(int64_t l, const torch::Tensor& h) override {
    ++heads;
    return ResidualMlp::head(l, h);
  }
  int64_t heads = 0;
};

struct StepCost {
  int64_t heads;
  bool per_depth;
  double loss;
};

// One compute() at `step` of 100 with logging on or off, from the same weights.
StepCost step_cost(const std::string& yaml, bool logging, int64_t step = 10) {
  const ExperimentConfig cfg = parse_config(yaml, "t.yaml");
  torch::manual_seed(5);
  HeadCounter model(2, 1, cfg.model);
  const Batch batch{torch::randn({16, 2}), torch::randn({16, 1})};
  auto obj = make_objective(cfg, Task::regression, 4);
  obj->begin_step(model, step, 100);
  obj->set_logging(logging);
  model.heads = 0;
  LossOutput out = obj->compute(model, batch, step, 100);
  return {model.heads, out.per_depth.defined(), out.total.item<double>()};
}

std::string yaml(const std::string& loss, const std::string& train = "") {
  return "model:\n  depth: 4\n  width: 8\n  head: per_depth\nloss:\n" + loss + "train:\n  steps: 100\n" + train;
}

void check_lean(const std::string& y, int64_t lean_heads, int64_t step = 10) {
  INFO(y);
  const StepCost logged = step_cost(y, true, step), lean = step_cost(y, false, step);
  CHECK(logged.heads == 4);
  CHECK(logged.per_depth);
  CHECK(lean.heads == lean_heads);
  CHECK_FALSE(lean.per_depth);
  CHECK(lean.loss == logged.loss);  // the same tensors, bit for bit
}

}  // namespace

TEST_CASE("lean step: E2E evaluates only the deepest head on a step that does not log") {
  check_lean(yaml("  kind: e2e\n"), 1);
}

TEST_CASE("lean step: two-phase LPA's E2E phase evaluates only the deepest head") {
  check_lean(yaml("  kind: lpa\n  e2e_fraction: 0.5\n"), 1, 10);
  check_lean(yaml("  kind: lpa\n  e2e_fraction: 0.5\n"), 4, 60);  // the LPA phase needs every exit
}

TEST_CASE("lean step: sequential LPA evaluates only its stage's head") {
  check_lean(yaml("  kind: lpa\n  mode: sequential\n"), 1, 80);  // stage 4 of 4: head 4 alone
}

TEST_CASE("lean step: a probe run evaluates only the heads it trains") {
  check_lean(yaml("  kind: lpa\n", "  probe_from: source_run\n"), 3);
}

TEST_CASE("lean step: adaptive weights still get every depth's loss when the step does not log") {
  const std::string y = yaml("  kind: lpa\n  weights: adaptive\n");
  const StepCost lean = step_cost(y, false), logged = step_cost(y, true);
  CHECK(lean.heads == 4);
  CHECK(lean.per_depth);
  CHECK(lean.loss == logged.loss);
}
