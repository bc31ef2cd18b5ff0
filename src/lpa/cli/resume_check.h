// Whether a config may continue a run directory that already holds one, key by key: what a
// run computes must be the same; how long it trains may grow; where it runs may change.
#pragma once
#include <string>
#include <vector>

#include "lpa/config/config.h"

namespace lpa::cli {

struct ResumeCheck {
  // Keys that say where a run executes (train.threads, train.device) with another value now:
  // "train.threads 1 -> 2". The run continues; its last bits may differ from an unmoved run.
  std::vector<std::string> moved;
  // "train.steps 300 -> 600" when the run is extended (its length key grew), else "".
  std::string extension;
  // Why `cfg` may not continue the run, "" when it may: the first key that changes what is
  // computed (a shorter run included), "model.width is 16 there, 32 here (...)".
  std::string refused;
};

// `run_cfg` is the run directory's config, `cfg` the one given now. Keys that only say how a
// run is launched (requeue, data-parallel transport, output folder, TensorBoard files) and
// experiment.notes may differ silently.
ResumeCheck check_resume(const ExperimentConfig& run_cfg, const ExperimentConfig& cfg);

}  // namespace lpa::cli
