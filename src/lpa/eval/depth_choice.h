// The paper's adaptive criterion: the shallowest depth whose validation metric is within a
// tolerance of the best depth's. Judged on the task's primary metric; the caller passes
// validation results only (export --depth auto never looks at the test split).
#pragma once
#include <string>
#include <vector>

#include "lpa/eval/per_depth.h"

namespace lpa {

struct DepthChoice {
  int64_t depth = 0;       // chosen
  int64_t best_depth = 0;  // best primary metric (the shallowest among equals)
  double value = 0, best_value = 0;
  std::string metric;
  double tolerance = 0;
  // Accuracy: tolerance in percentage points (0.5 = half a point). Loss-like metrics (mse,
  // LM loss): relative, in percent of the best value (0.5 = within 0.5%).
  bool relative = false;
  double limit = 0;  // the worst value still accepted
};

DepthChoice choose_depth(const std::vector<DepthResult>& val_results, Task task, double tolerance);

// "depth 6 of 16: val accuracy 0.912 vs best 0.915 at depth 14 (tolerance 0.5 points)"
std::string describe(const DepthChoice& c, int64_t full_depth);

}  // namespace lpa
