#pragma once
#include "lpa/config/config.h"
#include "lpa/data/dataset.h"

namespace lpa {

// The binary versions of CIFAR-10 / CIFAR-100 from https://www.cs.toronto.edu/~kriz/cifar.html,
// unpacked under data.root (the folder holding the .bin files, or its parent holding
// cifar-10-batches-bin/ or cifar-100-binary/).
//   cifar10:  data_batch_1.bin .. data_batch_5.bin, test_batch.bin; class names from
//             batches.meta.txt when present.
//   cifar100: train.bin, test.bin (coarse + fine label; the fine label is the class); class names
//             from fine_label_names.txt when present.
DatasetPtr make_cifar10_dataset(const ExperimentConfig& cfg);
DatasetPtr make_cifar100_dataset(const ExperimentConfig& cfg);

}  // namespace lpa
