#pragma once
#include "lpa/config/config.h"
#include "lpa/data/dataset.h"

namespace lpa {

// Points (x, f(x)) on a named function's domain. Train is uniform or a grid (with optional
// Gaussian noise on targets); val and test are always uniform and noise-free. All seeded.
DatasetPtr make_surface_dataset(const ExperimentConfig& cfg);

}  // namespace lpa
