#pragma once
#include "lpa/config/config.h"
#include "lpa/data/dataset.h"
#include "lpa/models/depthwise_model.h"

namespace lpa {

// The model named by model.type, sized for the dataset. A new architecture is one file in
// models/ plus one line in registry.cpp.
ModelPtr make_model(const ExperimentConfig& cfg, const DataSpec& spec);

}  // namespace lpa
