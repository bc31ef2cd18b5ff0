#include "lpa/eval/depth_choice.h"

#include <sstream>

#include "lpa/errors.h"

namespace lpa {

DepthChoice choose_depth(const std::vector<DepthResult>& results, Task task, double tolerance) {
  if (results.empty()) throw std::runtime_error("choose_depth: no results");
  if (!(tolerance >= 0)) throw UserError("--tolerance must be >= 0, got " + std::to_string(tolerance));
  const PrimaryMetric pm = primary_metric(task);
  DepthChoice c;
  c.metric = pm.name;
  c.tolerance = tolerance;
  c.relative = pm.lower_is_better;
  auto value = [&](const DepthResult& r) { return metric_value(r.metrics, pm.name); };
  auto better = [&](double a, double b) { return pm.lower_is_better ? a < b : a > b; };
  const DepthResult* best = &results.front();
  for (const auto& r : results)
    if (better(value(r), value(*best))) best = &r;
  c.best_depth = best->depth;
  c.best_value = value(*best);
  c.limit = pm.lower_is_better ? c.best_value * (1.0 + tolerance / 100.0) : c.best_value - tolerance / 100.0;
  for (const auto& r : results) {  // results are in increasing depth
    const double v = value(r);
    if (pm.lower_is_better ? v <= c.limit : v >= c.limit) {
      c.depth = r.depth;
      c.value = v;
      break;
    }
  }
  return c;
}

std::string describe(const DepthChoice& c, int64_t full_depth) {
  std::ostringstream o;
  o << "depth " << c.depth << " of " << full_depth << ": val " << c.metric << " " << c.value << " vs best "
    << c.best_value << " at depth " << c.best_depth << " (tolerance " << c.tolerance
    << (c.relative ? "% relative" : " points") << ")";
  return o.str();
}

}  // namespace lpa
