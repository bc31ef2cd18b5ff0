// Sequential LPA's learning-rate schedule as the optimiser sees it: the rate train_log.csv
// records at every step of a tiny 4-stage run, against values worked out by hand from the rule
// in docs/method.md (warm-up once, in stage 1; the cosine decay restarts in every stage).
#include <string>
#include <vector>

#include "catch.h"
#include "test_support.h"

using namespace lpa;

// Guards learning_rate_in_window (src/lpa/train/optimizer.cpp): restarting the warm-up with
// every stage (the old rule) makes steps 10..13, 20..23 and 30..33 ramp up from 0.0025.
TEST_CASE("objective sequential: warm-up once in stage 1, the cosine restarts every stage") {
  test::TempDir dir("sequential_schedule");
  test::write_text(dir.file("c.yaml"), test::tiny_surface_yaml("seq", 40));
  auto r = test::run_lpa("train --config " + dir.file("c.yaml") + " --run-dir " + dir.file("run") +
                         " --set loss.mode=sequential --set train.lr=0.01 --set train.warmup_steps=4"
                         " --set train.schedule=cosine --set train.log_every=1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // 40 steps, 4 blocks: stages of 10 steps. Stage 1: lr·(t+1)/4 for t < 4, then
  // ½lr(1 + cos(π(t−4)/6)). Stages 2..4: ½lr(1 + cos(π(t−a)/10)) from their first step a.
  const std::vector<double> stage1 = {0.0025, 0.005,  0.0075, 0.01,   0.01,
                                      0.00933012702, 0.0075, 0.005, 0.0025, 0.000669872981};
  const std::vector<double> later = {0.01,          0.00975528258, 0.00904508497, 0.00793892626,
                                     0.00654508497, 0.005,         0.00345491503, 0.00206107374,
                                     0.000954915028, 0.000244717419};
  auto rows = test::csv_rows(dir.file("run/train_log.csv"));
  REQUIRE(rows.size() == 41);
  REQUIRE(rows[0][2] == "lr");
  for (size_t t = 0; t < 40; ++t) {
    INFO("step " << t + 1);
    CHECK(std::stoul(rows[t + 1][0]) == t + 1);
    const double expected = t < 10 ? stage1[t] : later[t % 10];
    CHECK(std::stod(rows[t + 1][2]) == Approx(expected).epsilon(1e-7));
  }
}
