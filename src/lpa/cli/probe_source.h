// The start of a probe run (train.probe_from, `lpa train --probe-from RUN`): the trained model
// of another run, read into the model this run's config builds.
#pragma once
#include <string>

#include "lpa/config/config.h"
#include "lpa/data/dataset.h"
#include "lpa/models/depthwise_model.h"

namespace lpa::cli {

// Fills `model` (built from `cfg`) with the newest checkpoint of the run cfg.train.probe_from:
// its stem and blocks, and at every exit l the head that exit l read there (so a source with a
// shared head gives a per_depth probe run N copies of it). The two configs must describe the
// same model but for model.head, which may only stay or become per_depth. Returns the
// checkpoint read. UserError (one line) for a missing run, no readable checkpoint, another model.
std::string load_probe_source(const ExperimentConfig& cfg, const DataSpec& spec, DepthwiseModel& model);

}  // namespace lpa::cli
