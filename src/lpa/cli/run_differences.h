// What tells runs apart: the config keys whose values differ between them. `lpa compare`
// prints them, `lpa plot` labels its series with them.
#pragma once
#include <string>
#include <vector>

#include "lpa/config/config.h"

namespace lpa::cli {

struct RunDifferences {
  std::vector<std::string> keys;                 // in the key table's order
  std::vector<std::vector<std::string>> values;  // values[run][i]: keys[i]'s value in that run
  std::vector<std::string> names;                // experiment.name of each run
  std::vector<std::string> labels;               // one per run, no two the same
};

// Keys of `experiment` (the name labels a run, notes are prose) and `output` (where a run was
// written) are not compared. A label is "key=value, ..." over the first differing keys
// (" +N more" when there are more), prefixed by "name: " when the names differ; the name
// alone when nothing differs. Labels still equal get " #i", i the run's place (from 1).
RunDifferences run_differences(const std::vector<ExperimentConfig>& configs);

}  // namespace lpa::cli
