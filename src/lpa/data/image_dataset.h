// Labelled images held in memory as uint8 and normalised per batch: the common half of the
// idx (MNIST, Fashion-MNIST) and CIFAR loaders. A loader reads files into an ImageSource; this
// carves the seeded validation split out of train, computes per-channel mean/std on what is
// left of train, and serves batches (sliced by index, augmented on the whole batch).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "lpa/config/config.h"
#include "lpa/data/dataset.h"

namespace lpa {

struct ImageSet {
  torch::Tensor images;  // uint8 [N, C, H, W]
  torch::Tensor labels;  // int64 [N], in 0..classes-1
};

struct ImageSource {
  std::string description;  // e.g. "Fashion-MNIST (idx) from /usr/share/datasets/fashion-mnist"
  ImageSet train, test;
  int64_t classes = 0;
  std::vector<std::string> class_names;
};

// Uses data.val_fraction, data.seed (or train.seed), data.augment, crop_padding, flip,
// flatten and data.train_limit from the config.
DatasetPtr make_image_dataset(ImageSource src, const ExperimentConfig& cfg);

// The seeded split of n training indices into {train, val}, each sorted: val takes
// round(n * val_fraction) of a seeded permutation, train the rest (at most train_limit of it
// when train_limit > 0). Deterministic in its arguments; exposed for tests.
std::pair<torch::Tensor, torch::Tensor> split_train_val(int64_t n, double val_fraction, uint64_t seed,
                                                        int64_t train_limit = 0);

// uint8 images [N, C, H, W] as the model reads them: (x / 255 - mean) / std per channel (a std
// of ~0 counts as 1), as float32, flattened to [N, C*H*W] with `flatten`. ImageDataset
// serves its batches through the same formula.
torch::Tensor normalise_images(const torch::Tensor& images, const std::vector<double>& mean,
                               const std::vector<double>& std, bool flatten);

// Per-channel mean and std of uint8 images scaled to [0, 1], in chunks (CIFAR's 150 MB of
// pixels would be 1.2 GB as doubles).
std::pair<std::vector<double>, std::vector<double>> channel_mean_std(const torch::Tensor& images);

}  // namespace lpa
