#include "catch.h"
#include "lpa/errors.h"
#include "lpa/eval/depth_choice.h"
#include "lpa/eval/early_exit.h"
#include "lpa/eval/latency.h"

using namespace lpa;

namespace {

std::vector<DepthResult> accuracies(const std::vector<double>& acc) {
  std::vector<DepthResult> r;
  for (size_t i = 0; i < acc.size(); ++i) r.push_back({static_cast<int64_t>(i + 1), {{"accuracy", acc[i]}}});
  return r;
}

}  // namespace

TEST_CASE("depth auto: shallowest depth within the tolerance of the best, accuracy in points") {
  auto r = accuracies({0.70, 0.85, 0.897, 0.905, 0.903, 0.9});
  auto c = choose_depth(r, Task::classification, 0.5);
  CHECK(c.best_depth == 4);
  CHECK(c.depth == 4);  // 0.897 is 0.8 points below 0.905
  CHECK(choose_depth(r, Task::classification, 0.8).depth == 3);
  CHECK(choose_depth(r, Task::classification, 0.0).depth == 4);
  CHECK(choose_depth(r, Task::classification, 100).depth == 1);
  CHECK_FALSE(c.relative);
  CHECK_THROWS_AS(choose_depth(r, Task::classification, -1), UserError);
}

TEST_CASE("depth auto: regression tolerance is relative to the best mse") {
  std::vector<DepthResult> r;
  const std::vector<double> mse = {1.0, 0.2, 0.104, 0.1, 0.1005};
  for (size_t i = 0; i < mse.size(); ++i) r.push_back({static_cast<int64_t>(i + 1), {{"mse", mse[i]}}});
  auto c = choose_depth(r, Task::regression, 5.0);  // within 5% of 0.1
  CHECK(c.best_depth == 4);
  CHECK(c.depth == 3);
  CHECK(c.relative);
  CHECK(choose_depth(r, Task::regression, 1.0).depth == 4);
}

TEST_CASE("early exit: exit depths, accuracy, compute and fractions for known scores") {
  // 4 samples x 3 depths. Sureness (confidence):
  ExitScores s;
  s.sureness = torch::tensor({0.9, 0.95, 0.99, 0.5, 0.8, 0.9, 0.4, 0.5, 0.6, 0.95, 0.3, 0.99},
                             torch::kDouble).reshape({4, 3});
  s.correct = torch::tensor({1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1}).to(torch::kBool).reshape({4, 3});
  const std::vector<double> mflops = {1.0, 2.0, 3.0};
  auto p = apply_exit_threshold(s, 0.85, ExitCriterion::confidence, mflops);
  // exits: sample0 d1 (right), sample1 d3 (0.9 >= .85 only at d3; right), sample2 d3 (right),
  // sample3 d1 (wrong)
  CHECK(p.accuracy == Approx(0.75));
  CHECK(p.avg_depth == Approx(2.0));
  CHECK(p.avg_mflops == Approx(2.0));
  REQUIRE(p.fraction.size() == 3);
  CHECK(p.fraction[0] == Approx(0.5));
  CHECK(p.fraction[1] == Approx(0.0));
  CHECK(p.fraction[2] == Approx(0.5));
  auto all_first = apply_exit_threshold(s, 0.0, ExitCriterion::confidence, mflops);
  CHECK(all_first.avg_depth == Approx(1.0));
  CHECK(all_first.accuracy == Approx(0.25));
  auto none = apply_exit_threshold(s, 2.0, ExitCriterion::confidence, mflops);
  CHECK(none.avg_depth == Approx(3.0));
  CHECK(none.accuracy == Approx(1.0));

  // Guards `sureness.ge(t)` (eval/early_exit.cpp): a sample exactly at the threshold exits. The
  // calibrated thresholds are observed sureness values, so ties are the rule, not the exception.
  auto tie = apply_exit_threshold(s, 0.9, ExitCriterion::confidence, mflops);
  CHECK(tie.fraction == std::vector<double>{0.5, 0.0, 0.5});  // samples 0 and 3 exit at d1

  auto ts = candidate_thresholds(s, 10);
  CHECK(std::is_sorted(ts.begin(), ts.end()));
  CHECK(apply_exit_threshold(s, ts.front(), ExitCriterion::confidence, mflops).avg_depth == Approx(1.0));
  CHECK(apply_exit_threshold(s, ts.back(), ExitCriterion::confidence, mflops).avg_depth == Approx(3.0));
}

TEST_CASE("early exit: entropy sureness and calibration rules") {
  auto logits = torch::tensor({{10.0, 0.0, 0.0}, {0.0, 0.0, 0.0}});
  auto conf = sureness(logits, ExitCriterion::confidence);
  auto neg_entropy = sureness(logits, ExitCriterion::entropy);
  CHECK(conf[1].item<double>() == Approx(1.0 / 3));
  CHECK(-neg_entropy[1].item<double>() == Approx(std::log(3.0)));
  CHECK(-neg_entropy[0].item<double>() < 0.01);
  CHECK(to_sureness(0.5, ExitCriterion::entropy) == -0.5);

  std::vector<ExitPoint> pts = {{0.1, 0.80, 1.0, 1, {}}, {0.5, 0.90, 2.0, 2, {}},
                                {0.7, 0.92, 2.5, 2.5, {}}, {0.9, 0.91, 3.0, 3, {}}};
  bool reached = false;
  CHECK(calibrate_for_accuracy(pts, 0.9, &reached) == 1);
  CHECK(reached);
  CHECK(calibrate_for_accuracy(pts, 0.95, &reached) == 2);  // unreachable: the most accurate
  CHECK_FALSE(reached);
  CHECK(calibrate_for_budget(pts, 2.6) == 2);
  CHECK(calibrate_for_budget(pts, 1.5) == 0);
  CHECK_THROWS_AS(calibrate_for_budget(pts, 0.5), UserError);
}

TEST_CASE("latency: quantiles of unsorted samples") {
  CHECK(quantile_of({5, 1, 3, 2, 4}, 0.5) == Approx(3));
  CHECK(quantile_of({5, 1, 3, 2, 4}, 0.9) == Approx(4.6));
  CHECK(quantile_of({7}, 0.9) == Approx(7));
}
