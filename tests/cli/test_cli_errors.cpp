// A run that diverges stops with exit code 3 naming the step and the first depth whose loss is
// not finite. (Bad input, exit code 2, is the catalogue: tests/cli/bad_inputs/.)
#include <algorithm>
#include <cmath>

#include "catch.h"
#include "test_support.h"

using namespace lpa;
using lpa::test::run_lpa;

namespace {

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  auto p = t.rfind('\n');
  return p == std::string::npos ? t : t.substr(p + 1);
}

bool finite_cell(const std::string& cell) { return std::isfinite(std::stod(cell)); }

struct Diverged {
  int exit_code;
  std::string line;
  int64_t step, depth;                       // as the message names them
  std::vector<std::string> header, last_row;  // of train_log.csv
  std::vector<int64_t> logged_steps;          // every row's step
};

Diverged diverge(const std::string& tag, const std::string& sets) {
  test::TempDir dir(tag);
  const std::string cfg = dir.file("c.yaml"), run = dir.file("run");
  test::write_text(cfg, test::tiny_surface_yaml(tag, 50));
  const auto r = run_lpa("train --config " + cfg + " --run-dir " + run + " " + sets);
  INFO(r.output);
  Diverged d{r.exit_code, last_line(r.output), -1, -1, {}, {}, {}};
  const auto at_step = d.line.find(" at step "), at_depth = d.line.find(", first at depth ");
  if (at_step != std::string::npos) d.step = std::stoll(d.line.substr(at_step + 9));
  if (at_depth != std::string::npos) d.depth = std::stoll(d.line.substr(at_depth + 17));
  const auto rows = test::csv_rows(run + "/train_log.csv");
  if (rows.size() >= 2) d.header = rows.front(), d.last_row = rows.back();
  for (size_t r = 1; r < rows.size(); ++r) d.logged_steps.push_back(std::stoll(rows[r][0]));
  return d;
}

// The depth the message names is the first whose loss in the diverged step's row (the last of
// train_log.csv, written by the objective's own pass) is not finite.
void check_named_depth(const Diverged& d) {
  INFO(d.line);
  CHECK(d.exit_code == 3);
  CHECK(d.line.find("training diverged") != std::string::npos);
  REQUIRE(d.depth >= 1);
  REQUIRE(d.last_row.size() == d.header.size());
  CHECK(std::stoll(d.last_row[0]) == d.step);
  // Found at the first check after it (a step that logs): no row of a later step came first.
  for (int64_t s : d.logged_steps) CHECK(s <= d.step);
  for (int64_t l = 1; l <= 4; ++l) {
    const size_t col = std::find(d.header.begin(), d.header.end(), "loss_d" + std::to_string(l)) - d.header.begin();
    REQUIRE(col < d.header.size());
    INFO("depth " << l << ": " << d.last_row[col]);
    CHECK(finite_cell(d.last_row[col]) == (l < d.depth));
  }
}

}  // namespace

TEST_CASE("cli errors: a diverging run (huge lr) stops naming the step and the first bad depth (exit 3)") {
  const Diverged d = diverge("nan_lr", "--set train.lr=500 --set train.grad_clip=0 --set train.optimizer=sgd "
                                       "--set train.momentum=0 --set train.log_every=1");
  check_named_depth(d);
  CHECK(d.step >= 1);
}

TEST_CASE("cli errors: a bad step that does not log is found at the next check, named with what it computed (exit 3)") {
  // log_every is 10: the loss is not read back on steps 1..9; the check at step 10 finds step 1.
  // LPA computes every exit on every step, so its first bad depth is named as when logging.
  const Diverged lpa = diverge("nan_late", "--set data.noise=1e300");
  check_named_depth(lpa);
  CHECK(lpa.step == 1);
  CHECK(lpa.depth == 1);
  // E2E's step 1 computed only the deepest exit: that one is named, the others are NaN in its
  // row (not computed), not made up.
  const Diverged e2e = diverge("nan_e2e", "--set data.noise=1e300 --set loss.kind=e2e");
  INFO(e2e.line);
  CHECK(e2e.exit_code == 3);
  CHECK(e2e.step == 1);
  CHECK(e2e.depth == 4);
  CHECK(e2e.line.find("first at depth 4 of the exits that step computed (4)") != std::string::npos);
  REQUIRE(e2e.last_row.size() == e2e.header.size());
  CHECK(e2e.last_row[0] == "1");
  for (int64_t s : e2e.logged_steps) CHECK(s <= 1);
  for (int64_t l = 1; l <= 4; ++l) {
    const size_t col = std::find(e2e.header.begin(), e2e.header.end(), "loss_d" + std::to_string(l)) - e2e.header.begin();
    REQUIRE(col < e2e.header.size());
    INFO("depth " << l << ": " << e2e.last_row[col]);
    if (l < 4) CHECK(std::isnan(std::stod(e2e.last_row[col])));
    else CHECK(std::isinf(std::stod(e2e.last_row[col])));
  }
}

TEST_CASE("cli errors: when a deeper exit overflows first, that depth is named, not depth 1 (exit 3)") {
  // With lr 10 (seed 0, one thread) the residual stream overflows past block 1 at step 3 while
  // exit 1 is still finite; what is asserted is that the message names the row's first bad depth.
  const Diverged d = diverge("nan_deep", "--set train.lr=10 --set train.grad_clip=0 --set train.optimizer=sgd "
                                         "--set train.momentum=0 --set train.log_every=1");
  check_named_depth(d);
  CHECK(d.depth >= 2);
  CHECK(d.line.find("(depth" + std::string(d.depth == 2 ? " 1" : "s 1..") ) != std::string::npos);
}
