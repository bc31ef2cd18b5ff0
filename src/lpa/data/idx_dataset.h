#pragma once
#include "lpa/config/config.h"
#include "lpa/data/dataset.h"

namespace lpa {

// Where data.type: idx looks when data.root is empty: Debian's dataset-fashion-mnist package.
inline constexpr const char* kDefaultIdxRoot = "/usr/share/datasets/fashion-mnist";

// MNIST-style IDX files (plain or .gz) under data.root: train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, or the names given by
// data.train_images / train_labels / test_images / test_labels (relative to data.root unless
// absolute). Classes = the largest training label + 1; the test labels must fall in that range.
DatasetPtr make_idx_dataset(const ExperimentConfig& cfg);

}  // namespace lpa
