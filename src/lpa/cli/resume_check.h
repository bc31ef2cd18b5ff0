#pragma once
#include <string>

#include "lpa/config/config.h"

namespace lpa::cli {

// What a run computes, as text: the resolved config without the keys that only say how a run
// is launched (requeue, data-parallel transport), which may differ between attempts. Two
// configs with the same identity may resume each other's run directory.
std::string experiment_identity(ExperimentConfig cfg);

}  // namespace lpa::cli
