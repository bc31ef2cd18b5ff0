// Datasets that live on the training device (Dataset::move_to): counted as stored (uint8
// images, integer tokens), moved only when they fit, and giving the same batches from there.
// The device is CUDA where there is one (scripts/gpu/check.sh runs the suite there), else the
// CPU, where moving is a no-op and the same assertions hold.
#include <filesystem>

#include "catch.h"
#include "image_fixtures.h"
#include "lpa/config/load.h"
#include "lpa/data/registry.h"
#include "test_support.h"

using namespace lpa;

namespace {

torch::Device training_device() { return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::kCPU; }

// Every split's first `n` samples (no augmentation), on the CPU.
std::vector<torch::Tensor> first_samples(Dataset& d, int64_t n) {
  std::vector<torch::Tensor> v;
  for (Split s : {Split::train, Split::val, Split::test}) {
    const int64_t k = std::min(n, d.size(s));
    if (k == 0) continue;
    Batch b = d.get(s, torch::arange(k, torch::kLong), false);
    v.push_back(b.x.cpu());
    v.push_back(b.y.cpu());
  }
  return v;
}

void check_moves(const ExperimentConfig& cfg, int64_t expected_bytes) {
  const torch::Device device = training_device();
  auto host = make_dataset(cfg), moved = make_dataset(cfg);
  CHECK(moved->sample_bytes() == expected_bytes);
  // Too large for the limit: stays where it is (on the CPU, that is already "there").
  CHECK(moved->move_to(device, expected_bytes - 1) == device.is_cpu());
  CHECK(moved->device().is_cpu());
  REQUIRE(moved->move_to(device, expected_bytes));
  CHECK(moved->device() == device);
  // Indices from the host (the sampler's) or already on the device give the same batches.
  Batch b = moved->get(Split::train, torch::arange(4, torch::kLong).to(device), true);
  CHECK(b.x.device() == device);
  CHECK(b.y.device() == device);
  const auto a = first_samples(*host, 16), c = first_samples(*moved, 16);
  REQUIRE(a.size() == c.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(torch::equal(a[i], c[i]));
}

}  // namespace

TEST_CASE("device data: a surface's points and targets move as float32") {
  auto cfg = parse_config("data:\n  function: franke\n  n_train: 100\n  n_val: 50\n  n_test: 70\n", "t.yaml");
  check_moves(cfg, (100 + 50 + 70) * (2 + 1) * 4);
}

TEST_CASE("device data: images move as uint8 with their labels, augmented and normalised there") {
  test::TempDir dir("device_idx");
  test::write_idx_files(dir.path, 120, 40, 10, 12, 10, false);
  auto cfg = parse_config("data:\n  type: idx\n  root: " + dir.path + "\n  val_fraction: 0.25\n  augment: true\n", "t.yaml");
  check_moves(cfg, (120 + 40) * 10 * 12 + (120 + 40) * 8);
}

TEST_CASE("device data: a byte corpus moves as its bytes") {
  test::TempDir dir("device_text");
  std::string text;
  for (int i = 0; i < 600; ++i) text += static_cast<char>('a' + (i * 7) % 26);
  test::write_text(dir.file("corpus.txt"), text);
  auto cfg = parse_config("data:\n  type: text\n  files: [" + dir.file("corpus.txt") +
                              "]\n  seq_len: 8\n  val_fraction: 0.1\n  test_fraction: 0.1\n  augment: true\n"
                              "model:\n  type: transformer\n",
                          "t.yaml");
  check_moves(cfg, 600);
}

TEST_CASE("device data: to_device leaves a batch already there as it is") {
  Batch b{torch::ones({2, 3}), torch::zeros({2})};
  Batch c = to_device(b, torch::kCPU);
  CHECK(c.x.is_same(b.x));
  CHECK(c.y.is_same(b.y));
  if (torch::cuda::is_available()) {
    Batch g = to_device(b, torch::Device(torch::kCUDA, 0));
    CHECK(g.x.is_cuda());
    CHECK(torch::equal(g.x.cpu(), b.x));
  }
}
