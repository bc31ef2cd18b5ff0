#include "lpa/data/idx_format.h"

#include <cstdio>

#include "lpa/errors.h"

namespace lpa {
namespace {

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

torch::Tensor parse_idx(const std::vector<uint8_t>& b, int64_t expected_dims, const std::string& path) {
  const uint32_t expected_magic = 0x800u + static_cast<uint32_t>(expected_dims);
  const std::string what = expected_dims == 1 ? "a labels file" : "an images file";
  if (b.size() < 4)
    throw UserError(path + ": truncated: " + std::to_string(b.size()) + " bytes, not even an IDX header");
  const uint32_t magic = be32(b.data());
  if (magic != expected_magic)
    throw UserError(path + ": wrong magic number " + hex32(magic) + " (expected " +
                    hex32(expected_magic) + " for " + what + " in IDX format)");
  const size_t header = 4 + 4 * static_cast<size_t>(expected_dims);
  if (b.size() < header)
    throw UserError(path + ": truncated inside the IDX header (" + std::to_string(b.size()) + " bytes)");
  std::vector<int64_t> shape;
  uint64_t count = 1;
  bool overflow = false, empty = false;  // three 32-bit sizes can multiply past 2^64
  for (int64_t i = 0; i < expected_dims; ++i) {
    const uint32_t d = be32(b.data() + 4 + 4 * i);
    shape.push_back(d);
    empty = empty || d == 0;
    overflow = overflow || __builtin_mul_overflow(count, d, &count);
  }
  if (empty) count = 0;
  const uint64_t have = b.size() - header;
  if (overflow && !empty)
    throw UserError(path + ": truncated: the header promises more than 2^64 bytes of data, the file holds " +
                    std::to_string(have));
  if (have < count)
    throw UserError(path + ": truncated: the header promises " + std::to_string(count) +
                    " bytes of data, the file holds " + std::to_string(have));
  if (have > count)
    throw UserError(path + ": " + std::to_string(have - count) +
                    " unexpected bytes after the data the header describes");
  torch::Tensor t = torch::empty(shape, torch::kUInt8);
  if (count > 0) std::memcpy(t.data_ptr<uint8_t>(), b.data() + header, count);
  return t;
}

std::vector<uint8_t> encode_idx(const torch::Tensor& t) {
  torch::Tensor c = t.to(torch::kUInt8).contiguous();
  std::vector<uint8_t> out = {0, 0, 0x08, static_cast<uint8_t>(c.dim())};
  for (int64_t d : c.sizes())
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>((d >> shift) & 0xff));
  const uint8_t* p = c.data_ptr<uint8_t>();
  out.insert(out.end(), p, p + c.numel());
  return out;
}

}  // namespace lpa
