#pragma once
#include "lpa/config/config.h"
#include "lpa/data/dataset.h"

namespace lpa {

// Builds the dataset named by data.type. Throws UserError for missing or bad files.
DatasetPtr make_dataset(const ExperimentConfig& cfg);

}  // namespace lpa
