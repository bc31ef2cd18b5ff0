// The binary versions of CIFAR-10 and CIFAR-100 (https://www.cs.toronto.edu/~kriz/cifar.html).
// Each record is its label byte(s) then 3072 pixel bytes: 1024 red, 1024 green, 1024 blue, each
// a 32x32 image in row-major order. CIFAR-10 records carry one label (0..9); CIFAR-100 records
// carry the coarse label (0..19) then the fine label (0..99).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lpa {

struct CifarFormat {
  int64_t label_bytes;   // 1 (CIFAR-10) or 2 (CIFAR-100)
  int64_t label_index;   // which label byte is the class: 0, or 1 (the fine label)
  std::vector<int64_t> label_ranges;  // classes per label byte: {10} or {20, 100}
  int64_t record_bytes() const { return label_bytes + 3 * 32 * 32; }
};
const CifarFormat& cifar10_format();
const CifarFormat& cifar100_format();

struct CifarRecords {
  torch::Tensor images;  // uint8 [N, 3, 32, 32]
  torch::Tensor labels;  // int64 [N]
};

// Parses one file's bytes. UserError naming `path`: empty or truncated file (size not a
// multiple of the record size), a label out of range (naming the record).
CifarRecords parse_cifar(const std::vector<uint8_t>& bytes, const CifarFormat& f, const std::string& path);

// Bytes of a file in the official layout. `labels` is [N] for CIFAR-10 or [N, 2]
// (coarse, fine) for CIFAR-100; for tests and benchmarks.
std::vector<uint8_t> encode_cifar(const torch::Tensor& images, const torch::Tensor& labels);

}  // namespace lpa
