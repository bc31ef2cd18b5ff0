// The divergence watch (train/divergence_watch): steps recorded without a read, then one check
// that finds the first bad step and names its first bad depth from what that step computed.
#include <cmath>
#include <limits>

#include "catch.h"
#include "lpa/train/divergence_watch.h"

using namespace lpa;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

torch::Tensor scalar(double v) { return torch::tensor(v, torch::kFloat); }
torch::Tensor values(std::vector<double> v) { return torch::tensor(v, torch::kFloat); }
const std::string kAdvice = ": training diverged (lower train.lr, or set train.grad_clip)";

}  // namespace

TEST_CASE("divergence watch: the first bad step of those recorded, its lr, loss and every computed depth") {
  DivergenceWatch w(3);
  w.record(1, 0.1, scalar(1.0), {}, {0, 1, 2}, values({1, 1, 1}));
  w.record(2, 0.2, scalar(2.0), {}, {2}, values({2}));
  w.record(3, 0.3, scalar(kNaN), {}, {0, 1, 2}, values({1, kInf, kNaN}));
  w.record(4, 0.4, scalar(kInf), {}, {2}, values({kInf}));
  w.record(5, 0.5, scalar(5.0), {}, {2}, values({5}));
  CHECK(w.pending() == 5);
  auto d = w.check();
  REQUIRE(d);
  CHECK(d->step == 3);
  CHECK(d->lr == 0.3);
  CHECK(std::isnan(d->loss));
  CHECK((d->depths == std::vector<int64_t>{1, 2, 3}));
  REQUIRE(d->per_depth.size() == 3);
  CHECK(d->per_depth[0] == 1.0);
  CHECK(std::isinf(d->per_depth[1]));
  CHECK(divergence_message(*d) == "loss is nan at step 3, first at depth 2 (depth 1 finite)" + kAdvice);
  // Checked steps are forgotten.
  CHECK(w.pending() == 0);
  CHECK_FALSE(w.check());
}

TEST_CASE("divergence watch: finite steps pass and are forgotten") {
  DivergenceWatch w(2);
  for (int64_t s = 1; s <= 4; ++s) w.record(s, 0.1, scalar(static_cast<double>(s)), {}, {1}, values({1}));
  CHECK_FALSE(w.check());
  CHECK(w.pending() == 0);
  w.record(5, 0.1, scalar(kInf), {}, {1}, values({kInf}));
  auto d = w.check();
  REQUIRE(d);
  CHECK(d->step == 5);
}

TEST_CASE("divergence watch: a step that computed some exits names the first bad one among them") {
  DivergenceWatch w(4);
  // E2E on a step that does not log: only the deepest exit.
  w.record(7, 0.1, scalar(kInf), {}, {3}, values({kInf}));
  auto d = w.check();
  REQUIRE(d);
  CHECK((d->depths == std::vector<int64_t>{4}));
  CHECK(std::isnan(d->per_depth[0]));  // not computed: NaN in the log row
  CHECK(std::isinf(d->per_depth[3]));
  CHECK(divergence_message(*d) == "loss is inf at step 7, first at depth 4 of the exits that step computed (4)" + kAdvice);
  // A curriculum's subset: 2 and 4 computed, 4 bad.
  w.record(8, 0.1, scalar(kNaN), {}, {1, 3}, values({0.5, kNaN}));
  d = w.check();
  REQUIRE(d);
  CHECK(divergence_message(*d) == "loss is nan at step 8, first at depth 4 of the exits that step computed (2, 4)" + kAdvice);
}

TEST_CASE("divergence watch: a logging step's per-depth losses, depths 1..k finite, or none bad") {
  DivergenceWatch w(4);
  // per_depth (a step that logs) wins over the exits list.
  w.record(2, 0.1, scalar(kInf), values({1, 2, kInf, kInf}), {3}, values({kInf}));
  auto d = w.check();
  REQUIRE(d);
  CHECK(divergence_message(*d) == "loss is inf at step 2, first at depth 3 (depths 1..2 finite)" + kAdvice);
  w.record(3, 0.1, scalar(kInf), values({kNaN, 2, 3, 4}), {}, {});
  d = w.check();
  REQUIRE(d);
  CHECK(divergence_message(*d) == "loss is inf at step 3, first at depth 1" + kAdvice);
  // Every exit finite, the weighted sum not.
  w.record(4, 0.1, scalar(kInf), values({1, 2, 3, 4}), {}, {});
  d = w.check();
  REQUIRE(d);
  CHECK(divergence_message(*d) ==
        "loss is inf at step 4 though every depth's own loss is finite (their weighted sum is not)" + kAdvice);
  // Nothing kept about the exits: the step alone.
  w.record(5, 0.1, scalar(kNaN), {}, {}, {});
  d = w.check();
  REQUIRE(d);
  CHECK(divergence_message(*d) == "loss is nan at step 5" + kAdvice);
}
