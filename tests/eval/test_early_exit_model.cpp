// Early exit on a real (tiny) classifier: scores come from one forward_all per batch and agree
// with the per-depth accuracies of the ordinary evaluation.
#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/eval/early_exit.h"
#include "lpa/models/registry.h"

using namespace lpa;

namespace {

// Three Gaussian blobs in 2-D: a classification dataset without files.
class Blobs : public Dataset {
 public:
  explicit Blobs(Task task) : task_(task) {
    torch::manual_seed(5);
    y_ = torch::randint(0, 3, {90}, torch::kLong);
    auto centres = torch::tensor({{0.0, 2.0}, {2.0, -1.0}, {-2.0, -1.0}});
    x_ = centres.index_select(0, y_) + torch::randn({90, 2});
  }
  DataSpec spec() const override {
    DataSpec s;
    s.task = task_;
    s.input_shape = {2};
    s.output_dim = task_ == Task::classification ? 3 : 1;
    return s;
  }
  int64_t size(Split) const override { return 90; }
  Batch get(Split, const torch::Tensor& idx, bool) const override {
    return {x_.index_select(0, idx), y_.index_select(0, idx)};
  }
  std::string describe() const override { return "blobs"; }

 private:
  Task task_;
  torch::Tensor x_, y_;
};

}  // namespace

TEST_CASE("early exit: scores of a classifier agree with per-depth accuracy") {
  Blobs data(Task::classification);
  auto cfg = parse_config("model:\n  depth: 3\n  width: 8\n", "t.yaml");
  torch::manual_seed(2);
  auto model = make_model(cfg, data.spec());
  EvalOptions eo;
  eo.batch_size = 32;  // several batches, the last one short
  auto s = collect_exit_scores(*model, data, Split::test, ExitCriterion::confidence, eo);
  REQUIRE(s.sureness.sizes() == torch::IntArrayRef({90, 3}));
  auto per = evaluate_per_depth(*model, data, Split::test, {1, 2, 3}, eo);
  for (int64_t l = 0; l < 3; ++l)
    CHECK(s.correct.select(1, l).to(torch::kDouble).mean().item<double>() ==
          Approx(metric_value(per[l].metrics, "accuracy")));
  CHECK(s.sureness.min().item<double>() >= 1.0 / 3 - 1e-9);
  CHECK(s.sureness.max().item<double>() <= 1.0 + 1e-9);
  // Never exiting early is the full-depth model.
  auto full = apply_exit_threshold(s, 2.0, ExitCriterion::confidence, {1, 2, 3});
  CHECK(full.accuracy == Approx(metric_value(per[2].metrics, "accuracy")));
}

TEST_CASE("early exit: a regression model is refused with a clear message") {
  Blobs data(Task::regression);
  auto cfg = parse_config("model:\n  depth: 2\n  width: 4\n", "t.yaml");
  auto model = make_model(cfg, data.spec());
  CHECK_THROWS_WITH(collect_exit_scores(*model, data, Split::val, ExitCriterion::entropy, EvalOptions{}),
                    Catch::Contains("early exit needs a classifier"));
}
