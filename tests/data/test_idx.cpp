// IDX loader (MNIST / Fashion-MNIST): generated files in the published format, plain and gzip.
#include <filesystem>

#include "catch.h"
#include "image_fixtures.h"
#include "lpa/config/load.h"
#include "lpa/data/compressed_file.h"
#include "lpa/data/idx_format.h"
#include "lpa/data/registry.h"
#include "lpa/errors.h"
#include "test_support.h"

using namespace lpa;

namespace {

ExperimentConfig idx_config(const std::string& root, const std::string& extra = "") {
  return parse_config("data:\n  type: idx\n  root: " + root + "\n  val_fraction: 0\n" + extra, "t.yaml");
}

// Undoes get()'s normalisation: back to the stored uint8 values.
torch::Tensor denormalise(const torch::Tensor& x, const DataSpec& s) {
  auto c = static_cast<int64_t>(s.mean.size());
  auto mean = torch::tensor(s.mean, torch::kDouble).view({1, c, 1, 1});
  auto std = torch::tensor(s.std, torch::kDouble).view({1, c, 1, 1});
  return ((x.to(torch::kDouble) * std + mean) * 255.0).round();
}

}  // namespace

TEST_CASE("idx: encode/parse round trip and header checks") {
  auto t = torch::randint(0, 256, {3, 5, 4}, torch::kLong).to(torch::kUInt8);
  auto bytes = encode_idx(t);
  CHECK(bytes.size() == 4 + 3 * 4 + 60);
  CHECK(bytes[2] == 0x08);
  CHECK(bytes[3] == 3);
  CHECK(torch::equal(parse_idx(bytes, 3, "f"), t));
  CHECK_THROWS_WITH(parse_idx(bytes, 1, "f"),
                    "f: wrong magic number 0x00000803 (expected 0x00000801 for a labels file in IDX format)");
  auto cut = bytes;
  cut.resize(cut.size() - 7);
  CHECK_THROWS_WITH(parse_idx(cut, 3, "f"),
                    "f: truncated: the header promises 60 bytes of data, the file holds 53");
  auto longer = bytes;
  longer.push_back(1);
  CHECK_THROWS_WITH(parse_idx(longer, 3, "f"), "f: 1 unexpected bytes after the data the header describes");
  CHECK_THROWS_WITH(parse_idx({0, 0}, 3, "f"), "f: truncated: 2 bytes, not even an IDX header");
}

// Guards the overflow check of the element count in parse_idx (found by fuzz_idx: sizes whose
// product wraps to 0 passed as an empty file, then LibTorch refused the shape, not a UserError).
TEST_CASE("idx: dimensions whose product overflows 64 bits are a truncated file") {
  const std::string input = test::fuzz_input("idx", "crash-size-overflow");
  const std::vector<uint8_t> bytes(input.begin(), input.end());
  CHECK_THROWS_WITH(parse_idx(bytes, 3, "f.idx"),
                    "f.idx: truncated: the header promises more than 2^64 bytes of data, the file holds 0");
  // A zero dimension still makes an empty file, whatever the others say.
  std::vector<uint8_t> empty = {0, 0, 8, 3, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  CHECK(parse_idx(empty, 3, "e.idx").numel() == 0);
}

TEST_CASE("idx: gzip and plain files read the same - a truncated gzip is an error") {
  test::TempDir dir("gz");
  std::vector<uint8_t> bytes(100000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>((i * 7919) % 251);
  test::write_bytes(dir.file("plain"), bytes);
  test::write_gzip(dir.file("packed.gz"), bytes);
  CHECK(read_maybe_gzip(dir.file("plain")) == bytes);
  CHECK(read_maybe_gzip(dir.file("packed.gz")) == bytes);
  CHECK(find_plain_or_gz(dir.file("packed")) == dir.file("packed.gz"));
  CHECK(find_plain_or_gz(dir.file("nothing")).empty());
  std::string raw = test::read_text(dir.file("packed.gz"));
  test::write_text(dir.file("cut.gz"), raw.substr(0, raw.size() / 2));
  CHECK_THROWS_AS(read_maybe_gzip(dir.file("cut.gz")), UserError);
  try {
    read_maybe_gzip(dir.file("cut.gz"));
  } catch (const UserError& e) {
    CHECK(std::string(e.what()).find(dir.file("cut.gz") + ": truncated or corrupt gzip") == 0);
  }
  CHECK_THROWS_WITH(read_maybe_gzip(dir.file("nothing")), dir.file("nothing") + ": file not found");
}

TEST_CASE("idx dataset: every pixel and label round-trips, plain and gzip") {
  for (bool gz : {false, true}) {
    INFO("gzip " << gz);
    test::TempDir dir("idx");
    auto w = test::write_idx_files(dir.path, 120, 40, 10, 12, 10, gz);
    auto data = make_dataset(idx_config(dir.path));
    auto spec = data->spec();
    CHECK(spec.task == Task::classification);
    CHECK(spec.input_shape == std::vector<int64_t>{1, 10, 12});
    CHECK(spec.output_dim == 10);
    CHECK(data->size(Split::train) == 120);
    CHECK(data->size(Split::val) == 0);
    CHECK(data->size(Split::test) == 40);
    auto tr = data->get(Split::train, torch::arange(120, torch::kLong), false);
    CHECK(torch::equal(denormalise(tr.x, spec).to(torch::kUInt8), w.train_images));
    CHECK(torch::equal(tr.y, w.train_labels));
    auto te = data->get(Split::test, torch::arange(40, torch::kLong), false);
    CHECK(torch::equal(denormalise(te.x, spec).to(torch::kUInt8), w.test_images));
    CHECK(torch::equal(te.y, w.test_labels));
    // Normalised with the training split's own statistics.
    CHECK(tr.x.mean().item<double>() == Approx(0).margin(1e-4));
    CHECK(tr.x.std(false).item<double>() == Approx(1).margin(1e-3));
    CHECK(spec.class_names.front() == "0");
  }
}

TEST_CASE("idx dataset: seeded validation split carved from train - flatten") {
  test::TempDir dir("idxsplit");
  auto w = test::write_idx_files(dir.path, 200, 20, 8, 8, 10, false);
  auto a = make_dataset(idx_config(dir.path, "  val_fraction: 0.25\n  flatten: true\n"));
  CHECK(a->size(Split::train) == 150);
  CHECK(a->size(Split::val) == 50);
  CHECK(a->size(Split::test) == 20);
  CHECK(a->spec().input_shape == std::vector<int64_t>{64});
  auto all = [](const DatasetPtr& d, Split s) { return d->get(s, torch::arange(d->size(s), torch::kLong), false); };
  auto tr = all(a, Split::train), va = all(a, Split::val);
  CHECK(tr.x.sizes() == torch::IntArrayRef({150, 64}));
  // Train and val together are the training file, each image once.
  auto spec = a->spec();
  auto weights = torch::arange(64, torch::kLong) * 7919 + 1;
  auto key = [&](const torch::Tensor& u8) { return (u8.reshape({-1, 64}).to(torch::kLong) * weights).sum(1); };
  auto pixels = [&](const torch::Tensor& x) { return denormalise(x.view({-1, 1, 8, 8}), spec).to(torch::kUInt8); };
  auto joined = std::get<0>(torch::cat({key(pixels(tr.x)), key(pixels(va.x))}).sort());
  CHECK(torch::equal(joined, std::get<0>(key(w.train_images).sort())));
  // Same seed, same split; another seed, another split.
  auto b = make_dataset(idx_config(dir.path, "  val_fraction: 0.25\n  flatten: true\n"));
  CHECK(torch::equal(all(b, Split::val).y, va.y));
  CHECK(torch::equal(all(b, Split::val).x, va.x));
  auto c = make_dataset(idx_config(dir.path, "  val_fraction: 0.25\n  flatten: true\n  seed: 9\n"));
  CHECK_FALSE(torch::equal(all(c, Split::val).x, va.x));
  // A training subset leaves val untouched.
  auto d = make_dataset(idx_config(dir.path, "  val_fraction: 0.25\n  flatten: true\n  train_limit: 40\n"));
  CHECK(d->size(Split::train) == 40);
  CHECK(torch::equal(all(d, Split::val).y, va.y));
}

// Guards crop_padding_ and flip_ taken from data.crop_padding / data.flip (image_dataset.cpp):
// augmented training batches differ from plain ones only by what those keys allow.
TEST_CASE("idx dataset: data.crop_padding and data.flip shape the augmentation") {
  test::TempDir dir("idxaug");
  test::write_idx_files(dir.path, 64, 8, 8, 8, 10, false);
  auto batch = [&](const std::string& keys, bool augment) {
    torch::manual_seed(11);
    auto d = make_dataset(idx_config(dir.path, keys));
    return d->get(Split::train, torch::arange(64, torch::kLong), augment).x;
  };
  const auto plain = batch("", false);
  CHECK(torch::equal(batch("  augment: true\n  crop_padding: 0\n  flip: false\n", true), plain));  // nothing to do
  const auto flipped = batch("  augment: true\n  crop_padding: 0\n  flip: true\n", true);
  CHECK_FALSE(torch::equal(flipped, plain));
  // Without padding, every augmented image is the image or its mirror.
  auto same = flipped.eq(plain).flatten(1).all(1), mirrored = flipped.eq(plain.flip({3})).flatten(1).all(1);
  CHECK(same.logical_or(mirrored).all().item<bool>());
  const auto shifted = batch("  augment: true\n  crop_padding: 2\n  flip: false\n", true);
  CHECK_FALSE(torch::equal(shifted, plain));
}

// Guards the four file keys reaching resolve() (idx_dataset.cpp): files under other names, in a
// folder without the default names, load from data.train_images / train_labels / test_images /
// test_labels, each into its own place.
TEST_CASE("idx dataset: data.train_images, train_labels, test_images, test_labels name the files") {
  test::TempDir dir("idxnames");
  namespace fs = std::filesystem;
  fs::create_directories(dir.file("written"));
  fs::create_directories(dir.file("renamed"));
  auto w = test::write_idx_files(dir.file("written"), 30, 12, 6, 6, 10, false);
  const std::vector<std::pair<std::string, std::string>> moves = {
      {"train-images-idx3-ubyte", "a-img"}, {"train-labels-idx1-ubyte", "a-lbl"},
      {"t10k-images-idx3-ubyte", "b-img"}, {"t10k-labels-idx1-ubyte", "b-lbl"}};
  for (const auto& [from, to] : moves) fs::rename(dir.file("written/" + from), dir.file("renamed/" + to));
  auto data = make_dataset(idx_config(dir.file("renamed"),
                                      "  train_images: a-img\n  train_labels: a-lbl\n"
                                      "  test_images: " + dir.file("renamed/b-img") + "\n  test_labels: b-lbl\n"));
  auto spec = data->spec();
  auto tr = data->get(Split::train, torch::arange(30, torch::kLong), false);
  auto te = data->get(Split::test, torch::arange(12, torch::kLong), false);
  CHECK(torch::equal(denormalise(tr.x, spec).to(torch::kUInt8), w.train_images));
  CHECK(torch::equal(tr.y, w.train_labels));
  CHECK(torch::equal(denormalise(te.x, spec).to(torch::kUInt8), w.test_images));
  CHECK(torch::equal(te.y, w.test_labels));
}

TEST_CASE("idx dataset: bad files name the file and the problem") {
  test::TempDir dir("idxbad");
  test::write_idx_files(dir.path, 30, 10, 6, 6, 4, false);
  auto err = [&](const std::string& extra = "") -> std::string {
    try {
      make_dataset(idx_config(dir.path, extra));
    } catch (const UserError& e) {
      return e.what();
    }
    return "no error";
  };
  SECTION("missing file") {
    std::remove(dir.file("t10k-labels-idx1-ubyte").c_str());
    CHECK(err().find(dir.file("t10k-labels-idx1-ubyte") + ": file not found") == 0);
  }
  SECTION("wrong magic number") {
    auto b = encode_idx(torch::zeros({30}, torch::kUInt8));
    b[3] = 3;  // labels written with the images' magic
    test::write_bytes(dir.file("train-labels-idx1-ubyte"), b);
    CHECK(err() == dir.file("train-labels-idx1-ubyte") +
                       ": wrong magic number 0x00000803 (expected 0x00000801 for a labels file in IDX format)");
  }
  SECTION("truncated file") {
    std::string s = test::read_text(dir.file("train-images-idx3-ubyte"));
    test::write_text(dir.file("train-images-idx3-ubyte"), s.substr(0, s.size() - 10));
    CHECK(err() == dir.file("train-images-idx3-ubyte") +
                       ": truncated: the header promises 1080 bytes of data, the file holds 1070");
  }
  SECTION("label out of range") {
    auto labels = torch::zeros({10}, torch::kUInt8);
    labels[7] = 9;
    test::write_bytes(dir.file("t10k-labels-idx1-ubyte"), encode_idx(labels));
    CHECK(err() == dir.file("t10k-labels-idx1-ubyte") + ": label 9 at index 7 is out of range 0..3 (the classes seen in " +
                       dir.file("train-labels-idx1-ubyte") + ")");
  }
  SECTION("images and labels disagree") {
    test::write_bytes(dir.file("train-labels-idx1-ubyte"), encode_idx(torch::zeros({29}, torch::kUInt8)));
    CHECK(err().find("holds 29 labels but") != std::string::npos);
  }
  SECTION("missing root") {
    CHECK(err("  train_images: /nowhere/x\n").find("/nowhere/x: file not found") == 0);
  }
}

TEST_CASE("idx dataset: Debian's Fashion-MNIST is the default root", "[real-data]") {
  // Reads the real 60000 + 10000 images when the package is installed (scripts/setup.sh does).
  if (find_plain_or_gz("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte").empty()) {
    lpa::test::skip("dataset-fashion-mnist is not installed");
  }
  auto data = make_dataset(parse_config("data:\n  type: idx\n  val_fraction: 0.1\n", "t.yaml"));
  CHECK(data->size(Split::train) == 54000);
  CHECK(data->size(Split::val) == 6000);
  CHECK(data->size(Split::test) == 10000);
  auto spec = data->spec();
  CHECK(spec.input_shape == std::vector<int64_t>{1, 28, 28});
  CHECK(spec.class_names.at(9) == "Ankle boot");
  CHECK(spec.mean.at(0) == Approx(0.286).margin(0.002));  // Fashion-MNIST's published statistics
  CHECK(spec.std.at(0) == Approx(0.353).margin(0.002));
}
