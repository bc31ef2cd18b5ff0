// Small image datasets written in the exact on-disk formats the loaders read (IDX, CIFAR-10/100
// binary), with class-dependent brightness so a tiny network can learn them in a few steps.
#pragma once
#include <torch/torch.h>

#include <string>

namespace lpa::test {

struct WrittenImages {
  torch::Tensor train_images, train_labels;  // uint8 [N, C, H, W], int64 [N] (CIFAR-100: fine)
  torch::Tensor test_images, test_labels;
  torch::Tensor train_coarse, test_coarse;   // CIFAR-100 only
};

// [n, c, h, w] uint8 images: uniform noise on a brightness that encodes the label.
WrittenImages synthetic_images(int64_t n_train, int64_t n_test, int64_t c, int64_t h, int64_t w,
                               int64_t classes, uint64_t seed);

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes);
void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes);

// train-images-idx3-ubyte etc. under dir (".gz" added and gzip-compressed when gz).
WrittenImages write_idx_files(const std::string& dir, int64_t n_train, int64_t n_test, int64_t h,
                              int64_t w, int64_t classes, bool gz, uint64_t seed = 1);
// data_batch_1..5.bin (n_per_batch each), test_batch.bin, batches.meta.txt.
WrittenImages write_cifar10_files(const std::string& dir, int64_t n_per_batch, int64_t n_test,
                                  uint64_t seed = 2);
// train.bin, test.bin with (coarse, fine) labels, fine_label_names.txt.
WrittenImages write_cifar100_files(const std::string& dir, int64_t n_train, int64_t n_test,
                                   uint64_t seed = 3);

}  // namespace lpa::test
