#include "early_exit_curve.h"

#include <algorithm>
#include <map>
#include <vector>

#include "catch.h"
#include "test_support.h"

namespace lpa::test {

namespace {

using Table = std::vector<std::vector<std::string>>;

size_t column(const Table& t, const std::string& name) {
  const auto& h = t.at(0);
  auto it = std::find(h.begin(), h.end(), name);
  REQUIRE(it != h.end());
  return static_cast<size_t>(it - h.begin());
}

double num(const Table& t, size_t row, const std::string& name) { return std::stod(t.at(row).at(column(t, name))); }

}  // namespace

void check_early_exit_curve(const std::string& run_dir) {
  const Table per = csv_rows(run_dir + "/per_depth.csv");
  const Table curve = csv_rows(run_dir + "/early_exit.csv");
  REQUIRE(per.size() > 1);
  REQUIRE(curve.size() > 2);
  std::map<std::string, std::vector<double>> acc, mflops;  // split -> by depth
  for (size_t r = 1; r < per.size(); ++r) {
    const std::string split = per[r][column(per, "split")];
    REQUIRE(static_cast<size_t>(num(per, r, "depth")) == acc[split].size() + 1);
    acc[split].push_back(num(per, r, "accuracy"));
    mflops[split].push_back(num(per, r, "mflops_per_sample"));
  }
  REQUIRE(acc.count("val"));
  const size_t depth = acc["val"].size();
  REQUIRE(depth >= 2);
  REQUIRE(column(curve, "exit_d" + std::to_string(depth)) + 1 == column(curve, "calibrated"));
  // A sample that stops at depth l pays the truncated model plus the heads and sureness of the
  // exits it tried: extra_l, growing with l. The row where every val sample runs to depth N
  // gives extra_N; every other row lies between "no extra" and "extra_N at every depth".
  double extra_full = -1;
  for (size_t r = 1; r < curve.size(); ++r)
    if (curve[r][0] == "val" && num(curve, r, "exit_d" + std::to_string(depth)) == 1.0)
      extra_full = num(curve, r, "avg_mflops") - mflops["val"].back();
  REQUIRE(extra_full > 0);
  bool saw_all_first = false, saw_none_early = false;
  int calibrated_val = 0, calibrated_test = 0;
  for (size_t r = 1; r < curve.size(); ++r) {
    INFO("early_exit.csv row " << r);
    const std::string split = curve[r][0];
    double sum = 0, avg_depth = 0, avg_mflops = 0;
    for (size_t l = 1; l <= depth; ++l) {
      const double f = num(curve, r, "exit_d" + std::to_string(l));
      sum += f;
      avg_depth += static_cast<double>(l) * f;
      avg_mflops += f * mflops["val"][l - 1];
    }
    CHECK(sum == Approx(1.0).epsilon(1e-9));
    CHECK(num(curve, r, "avg_depth") == Approx(avg_depth).epsilon(1e-6));
    CHECK(num(curve, r, "avg_mflops") > avg_mflops);
    CHECK(num(curve, r, "avg_mflops") <= avg_mflops + extra_full + 1e-9);
    const bool calibrated = curve[r][column(curve, "calibrated")] == "1";
    (split == "test" ? calibrated_test : calibrated_val) += calibrated;
    if (!acc.count(split)) continue;
    // Where every sample leaves at one depth, the accuracy is that depth's own.
    if (num(curve, r, "exit_d1") == 1.0) {
      saw_all_first |= split == "val";
      CHECK(num(curve, r, "avg_mflops") < mflops["val"].front() + extra_full);
      CHECK(num(curve, r, "accuracy") == Approx(acc[split].front()).margin(1e-6));
    }
    if (num(curve, r, "exit_d" + std::to_string(depth)) == 1.0) {
      saw_none_early |= split == "val";
      CHECK(num(curve, r, "accuracy") == Approx(acc[split].back()).margin(1e-6));
    }
  }
  // Thresholds come from val: the lowest lets every val sample leave at depth 1, the highest
  // keeps every one to the full depth.
  CHECK(saw_all_first);
  CHECK(saw_none_early);
  CHECK(calibrated_val == 1);
  CHECK(calibrated_test == 1);
}

}  // namespace lpa::test
