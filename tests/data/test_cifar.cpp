// CIFAR-10/100 loaders on small files generated in exactly the official binary layout.
#include "catch.h"
#include "image_fixtures.h"
#include "lpa/config/load.h"
#include "lpa/data/cifar_format.h"
#include "lpa/data/registry.h"
#include "lpa/errors.h"
#include "test_support.h"

using namespace lpa;

namespace {

ExperimentConfig cifar_config(const std::string& type, const std::string& root, const std::string& extra = "") {
  return parse_config("data:\n  type: " + type + "\n  root: " + root + "\n  val_fraction: 0\n" + extra, "c.yaml");
}

torch::Tensor stored_pixels(const Batch& b, const DataSpec& s) {
  auto mean = torch::tensor(s.mean, torch::kDouble).view({1, 3, 1, 1});
  auto std = torch::tensor(s.std, torch::kDouble).view({1, 3, 1, 1});
  return ((b.x.to(torch::kDouble) * std + mean) * 255.0).round().to(torch::kUInt8);
}

std::string error_of(const ExperimentConfig& cfg) {
  try {
    make_dataset(cfg);
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("cifar format: record layout is label byte(s) then R, G, B planes") {
  auto img = torch::zeros({1, 3, 32, 32}, torch::kUInt8);
  img[0][0][0][1] = 11;  // red, row 0, column 1
  img[0][1][2][0] = 22;  // green, row 2, column 0
  img[0][2][31][31] = 33;
  auto b10 = encode_cifar(img, torch::tensor({7}, torch::kLong));
  REQUIRE(b10.size() == 3073);
  CHECK(b10[0] == 7);
  CHECK(b10[1 + 1] == 11);
  CHECK(b10[1 + 1024 + 2 * 32] == 22);
  CHECK(b10[1 + 2048 + 1023] == 33);
  auto r = parse_cifar(b10, cifar10_format(), "x.bin");
  CHECK(torch::equal(r.images, img));
  CHECK(r.labels.item<int64_t>() == 7);
  auto b100 = encode_cifar(img, torch::tensor({{4, 93}}, torch::kLong));
  REQUIRE(b100.size() == 3074);
  CHECK(b100[0] == 4);
  CHECK(b100[1] == 93);
  CHECK(parse_cifar(b100, cifar100_format(), "y.bin").labels.item<int64_t>() == 93);  // fine label
}

TEST_CASE("cifar10 dataset: every pixel and label round-trips") {
  test::TempDir dir("c10");
  auto w = test::write_cifar10_files(dir.path, 12, 9);
  auto data = make_dataset(cifar_config("cifar10", dir.path));
  auto spec = data->spec();
  CHECK(spec.input_shape == std::vector<int64_t>{3, 32, 32});
  CHECK(spec.output_dim == 10);
  CHECK(spec.mean.size() == 3);
  CHECK(spec.class_names.at(1) == "automobile");
  REQUIRE(data->size(Split::train) == 60);
  REQUIRE(data->size(Split::test) == 9);
  auto tr = data->get(Split::train, torch::arange(60, torch::kLong), false);
  CHECK(torch::equal(stored_pixels(tr, spec), w.train_images));  // batches 1..5 in order
  CHECK(torch::equal(tr.y, w.train_labels));
  auto te = data->get(Split::test, torch::arange(9, torch::kLong), false);
  CHECK(torch::equal(stored_pixels(te, spec), w.test_images));
  CHECK(torch::equal(te.y, w.test_labels));
  // Per-channel statistics of the training images.
  auto px = w.train_images.to(torch::kDouble) / 255.0;
  for (int c = 0; c < 3; ++c) {
    CHECK(spec.mean[c] == Approx(px.select(1, c).mean().item<double>()).epsilon(1e-9));
    CHECK(spec.std[c] == Approx(px.select(1, c).std(false).item<double>()).epsilon(1e-6));
  }
}

TEST_CASE("cifar10 dataset: data.root may be the parent of cifar-10-batches-bin") {
  test::TempDir dir("c10nest");
  test::run_shell("mkdir -p " + dir.file("cifar-10-batches-bin"));
  test::write_cifar10_files(dir.file("cifar-10-batches-bin"), 4, 3);
  auto data = make_dataset(cifar_config("cifar10", dir.path));
  CHECK(data->size(Split::train) == 20);
}

TEST_CASE("cifar100 dataset: fine labels are the classes - pixels round-trip") {
  test::TempDir dir("c100");
  auto w = test::write_cifar100_files(dir.path, 50, 10);
  auto data = make_dataset(cifar_config("cifar100", dir.path));
  auto spec = data->spec();
  CHECK(spec.output_dim == 100);
  CHECK(spec.class_names.at(42) == "class_42");  // read from fine_label_names.txt
  auto tr = data->get(Split::train, torch::arange(50, torch::kLong), false);
  CHECK(torch::equal(stored_pixels(tr, spec), w.train_images));
  CHECK(torch::equal(tr.y, w.train_labels));
  CHECK_FALSE(torch::equal(tr.y, w.train_coarse));
  auto te = data->get(Split::test, torch::arange(10, torch::kLong), false);
  CHECK(torch::equal(te.y, w.test_labels));
}

TEST_CASE("cifar datasets: bad files name the file and the problem") {
  test::TempDir dir("cbad");
  test::write_cifar10_files(dir.path, 4, 3);
  SECTION("missing batch") {
    std::remove(dir.file("data_batch_3.bin").c_str());
    CHECK(error_of(cifar_config("cifar10", dir.path)).find(dir.file("data_batch_3.bin") + ": file not found") == 0);
  }
  SECTION("truncated file") {
    std::string s = test::read_text(dir.file("data_batch_2.bin"));
    test::write_text(dir.file("data_batch_2.bin"), s.substr(0, s.size() - 100));
    CHECK(error_of(cifar_config("cifar10", dir.path)) ==
          dir.file("data_batch_2.bin") +
              ": truncated or not a CIFAR binary file: 12192 bytes is not a whole number of 3073-byte records");
  }
  SECTION("label out of range") {
    auto bytes = encode_cifar(torch::zeros({3, 3, 32, 32}, torch::kUInt8), torch::tensor({1, 2, 10}, torch::kLong));
    test::write_bytes(dir.file("test_batch.bin"), bytes);
    CHECK(error_of(cifar_config("cifar10", dir.path)) ==
          dir.file("test_batch.bin") + ": record 2 has label 10, out of range 0..9");
  }
  SECTION("cifar100 fine label out of range") {
    auto bytes = encode_cifar(torch::zeros({2, 3, 32, 32}, torch::kUInt8), torch::tensor({{1, 5}, {3, 100}}, torch::kLong));
    test::write_bytes(dir.file("train.bin"), bytes);
    test::write_bytes(dir.file("test.bin"), bytes);
    CHECK(error_of(cifar_config("cifar100", dir.path)) ==
          dir.file("train.bin") + ": record 1 has fine label 100, out of range 0..99");
  }
  SECTION("no data.root") {
    CHECK(error_of(parse_config("data:\n  type: cifar10\n", "c.yaml"))
              .find("c.yaml: data.root: CIFAR-10 needs data.root") == 0);
  }
  SECTION("empty file") {
    test::write_text(dir.file("test_batch.bin"), "");
    CHECK(error_of(cifar_config("cifar10", dir.path)) == dir.file("test_batch.bin") + ": empty file");
  }
}
