#pragma once
#include <string>
#include <vector>

#include "lpa/data/dataset.h"
#include "lpa/eval/per_depth.h"

namespace lpa {

// Writes the split's rows of per_depth.csv (split, depth, metrics, params, mflops_per_sample),
// keeping rows of other splits already there.
void write_per_depth_csv(const std::string& path, Split split, const std::vector<DepthResult>& results);

// The table and the progressive summary, as printed by `lpa train` and `lpa eval`.
std::string per_depth_report(Split split, const std::vector<DepthResult>& results, Task task);

}  // namespace lpa
