#include "image_fixtures.h"

#include <zlib.h>

#include <fstream>
#include <stdexcept>

#include "lpa/data/cifar_format.h"
#include "lpa/data/idx_format.h"

namespace lpa::test {

WrittenImages synthetic_images(int64_t n_train, int64_t n_test, int64_t c, int64_t h, int64_t w,
                               int64_t classes, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto make = [&](int64_t n, torch::Tensor& images, torch::Tensor& labels) {
    labels = torch::randint(0, classes, {n}, gen, torch::kLong);
    // Brightness encodes the label: survives crops, flips and global average pooling.
    torch::Tensor level = (labels.to(torch::kDouble) * (190.0 / std::max<int64_t>(1, classes - 1))).round();
    torch::Tensor x = torch::randint(0, 64, {n, c, h, w}, gen, torch::kLong) + level.to(torch::kLong).view({n, 1, 1, 1});
    images = x.clamp(0, 255).to(torch::kUInt8);
  };
  WrittenImages out;
  make(n_train, out.train_images, out.train_labels);
  make(n_test, out.test_images, out.test_labels);
  return out;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

WrittenImages write_idx_files(const std::string& dir, int64_t n_train, int64_t n_test, int64_t h,
                              int64_t w, int64_t classes, bool gz, uint64_t seed) {
  WrittenImages d = synthetic_images(n_train, n_test, 1, h, w, classes, seed);
  auto put = [&](const std::string& name, const torch::Tensor& t) {
    auto bytes = encode_idx(t);
    if (gz) write_gzip(dir + "/" + name + ".gz", bytes);
    else write_bytes(dir + "/" + name, bytes);
  };
  put("train-images-idx3-ubyte", d.train_images.squeeze(1));
  put("train-labels-idx1-ubyte", d.train_labels);
  put("t10k-images-idx3-ubyte", d.test_images.squeeze(1));
  put("t10k-labels-idx1-ubyte", d.test_labels);
  return d;
}

WrittenImages write_cifar10_files(const std::string& dir, int64_t n_per_batch, int64_t n_test,
                                  uint64_t seed) {
  WrittenImages d = synthetic_images(5 * n_per_batch, n_test, 3, 32, 32, 10, seed);
  for (int64_t b = 0; b < 5; ++b)
    write_bytes(dir + "/data_batch_" + std::to_string(b + 1) + ".bin",
                encode_cifar(d.train_images.narrow(0, b * n_per_batch, n_per_batch),
                             d.train_labels.narrow(0, b * n_per_batch, n_per_batch)));
  write_bytes(dir + "/test_batch.bin", encode_cifar(d.test_images, d.test_labels));
  std::ofstream(dir + "/batches.meta.txt")
      << "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
  return d;
}

WrittenImages write_cifar100_files(const std::string& dir, int64_t n_train, int64_t n_test,
                                   uint64_t seed) {
  WrittenImages d = synthetic_images(n_train, n_test, 3, 32, 32, 100, seed);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed + 1);
  d.train_coarse = torch::randint(0, 20, {n_train}, gen, torch::kLong);
  d.test_coarse = torch::randint(0, 20, {n_test}, gen, torch::kLong);
  write_bytes(dir + "/train.bin",
              encode_cifar(d.train_images, torch::stack({d.train_coarse, d.train_labels}, 1)));
  write_bytes(dir + "/test.bin",
              encode_cifar(d.test_images, torch::stack({d.test_coarse, d.test_labels}, 1)));
  std::ofstream names(dir + "/fine_label_names.txt");
  for (int i = 0; i < 100; ++i) names << "class_" << i << "\n";
  return d;
}

}  // namespace lpa::test
