// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian
// header (two zero bytes, type 0x08 = unsigned byte, number of dimensions, one uint32 per
// dimension) followed by the bytes in row-major order.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lpa {

// Parses IDX bytes that must have `expected_dims` dimensions (3 for images, 1 for labels).
// Returns a uint8 tensor of the stored shape. `path` names the file in UserError messages:
// wrong magic number, wrong dimension count, truncated data, trailing bytes.
torch::Tensor parse_idx(const std::vector<uint8_t>& bytes, int64_t expected_dims,
                        const std::string& path);

// The bytes of an IDX file holding `t` (uint8), for tests and tools.
std::vector<uint8_t> encode_idx(const torch::Tensor& t);

}  // namespace lpa
