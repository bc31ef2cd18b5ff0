#pragma once
#include <string>
#include <vector>

#include "lpa/data/dataset.h"
#include "lpa/eval/per_depth.h"

namespace lpa {

// Writes the split's rows of per_depth.csv (split, depth, metrics, params, mflops_per_sample),
// keeping rows of other splits already there.
void write_per_depth_csv(const std::string& path, Split split, const std::vector<DepthResult>& results);
// The same under any label in the split column (e.g. "pretrained_test": a checkpoint's depths
// before fine-tuning); rows of other labels are kept.
void write_per_depth_csv(const std::string& path, const std::string& label, const std::vector<DepthResult>& results);

// The table and the progressive summary, as printed by `lpa train` and `lpa eval`.
std::string per_depth_report(Split split, const std::vector<DepthResult>& results, Task task);

}  // namespace lpa
