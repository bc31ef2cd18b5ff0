#include "lpa/data/cifar_format.h"

#include <cstring>

#include "lpa/errors.h"

namespace lpa {

const CifarFormat& cifar10_format() {
  static const CifarFormat f{1, 0, {10}};
  return f;
}

const CifarFormat& cifar100_format() {
  static const CifarFormat f{2, 1, {20, 100}};
  return f;
}

CifarRecords parse_cifar(const std::vector<uint8_t>& b, const CifarFormat& f, const std::string& path) {
  const int64_t rec = f.record_bytes();
  const int64_t size = static_cast<int64_t>(b.size());
  if (size == 0) throw UserError(path + ": empty file");
  if (size % rec != 0)
    throw UserError(path + ": truncated or not a CIFAR binary file: " + std::to_string(size) +
                    " bytes is not a whole number of " + std::to_string(rec) + "-byte records");
  const int64_t n = size / rec;
  CifarRecords r{torch::empty({n, 3, 32, 32}, torch::kUInt8), torch::empty({n}, torch::kLong)};
  uint8_t* px = r.images.data_ptr<uint8_t>();
  int64_t* lab = r.labels.data_ptr<int64_t>();
  static const char* label_names[] = {"coarse label", "fine label"};
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = b.data() + i * rec;
    for (int64_t k = 0; k < f.label_bytes; ++k) {
      if (p[k] >= f.label_ranges[k]) {
        std::string which = f.label_bytes == 1 ? "label" : label_names[k];
        throw UserError(path + ": record " + std::to_string(i) + " has " + which + " " +
                        std::to_string(p[k]) + ", out of range 0.." +
                        std::to_string(f.label_ranges[k] - 1));
      }
    }
    lab[i] = p[f.label_index];
    std::memcpy(px + i * 3072, p + f.label_bytes, 3072);
  }
  return r;
}

std::vector<uint8_t> encode_cifar(const torch::Tensor& images, const torch::Tensor& labels) {
  torch::Tensor im = images.to(torch::kUInt8).contiguous();
  torch::Tensor lb = labels.to(torch::kLong).reshape({images.size(0), -1}).contiguous();
  const int64_t n = im.size(0), lbytes = lb.size(1);
  std::vector<uint8_t> out;
  out.reserve(n * (lbytes + 3072));
  const uint8_t* px = im.data_ptr<uint8_t>();
  const int64_t* l = lb.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < lbytes; ++k) out.push_back(static_cast<uint8_t>(l[i * lbytes + k]));
    out.insert(out.end(), px + i * 3072, px + (i + 1) * 3072);
  }
  return out;
}

}  // namespace lpa
