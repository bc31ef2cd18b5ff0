// End-to-end on generated image files: `lpa train` + `lpa eval` with a ResNet on IDX images and
// a residual MLP on flattened CIFAR-10 images; bad data files end with exit 2 naming the file.
#include <algorithm>

#include "catch.h"
#include "cli/early_exit_curve.h"
#include "image_fixtures.h"
#include "lpa/io/csv_writer.h"
#include "test_support.h"

using namespace lpa;
using lpa::test::run_lpa;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string tiny_image_yaml(const std::string& data, const std::string& model, int steps = 100) {
  std::ostringstream y;
  y << "experiment:\n  name: tiny_images\n"
    << "model:\n" << model << "data:\n" << data << "  batch_size: 32\n  val_fraction: 0.2\n"
    << "loss:\n  kind: lpa\n  mode: joint\n  weights: uniform\n"
    << "train:\n  steps: " << steps << "\n  optimizer: adam\n  lr: 0.01\n  threads: 1\n  device: cpu\n"
    << "  log_every: 10\n  warmup_steps: 0\n"
    << "eval:\n  every: 50\n";
  return y.str();
}

// A cell of per_depth.csv by column name (other issues may add metric columns).
std::string cell(const std::vector<std::vector<std::string>>& csv, size_t row, const std::string& column) {
  const auto& h = csv.at(0);
  auto it = std::find(h.begin(), h.end(), column);
  if (it == h.end()) return "<no column " + column + ">";
  return csv.at(row).at(static_cast<size_t>(it - h.begin()));
}

double accuracy_at(const std::vector<std::vector<std::string>>& per_depth, size_t row) {
  return std::stod(cell(per_depth, row, "accuracy"));
}

}  // namespace

TEST_CASE("cli images: a tiny ResNet trains on IDX files and reports every depth") {
  test::TempDir dir("cli_idx");
  test::write_idx_files(dir.path, 320, 100, 12, 12, 10, true);
  const std::string cfg = dir.file("r.yaml"), run = dir.file("run");
  test::write_text(cfg, tiny_image_yaml("  type: idx\n  root: " + dir.path +
                                            "\n  augment: true\n  crop_padding: 1\n  flip: false\n",
                                        "  type: resnet\n  stages: [2, 1]\n  widths: [4, 8]\n  head: per_stage\n"));
  auto r = run_lpa("train --config " + cfg + " --run-dir " + run);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, "idx from " + dir.path + ": 10 classes, 1x12x12, train 256, val 64, test 100"));
  auto per = read_csv(run + "/per_depth.csv");
  const std::vector<std::string> first = {"split", "depth", "accuracy", "top5", "nll", "ece"};
  REQUIRE(std::vector<std::string>(per.front().begin(), per.front().begin() + 6) == first);
  CHECK(per.front().back() == "mflops_per_sample");
  REQUIRE(per.size() == 1 + 3);
  // The label is the image's brightness: 100 steps learn it far above chance (0.1).
  CHECK(accuracy_at(per, 3) > 0.5);
  auto curves = read_csv(run + "/curves.csv");
  CHECK(curves.size() == 1 + 2 * 3);  // steps 50 and 100, 3 depths, on val
  CHECK(curves[1][2] == "val");
  // A stored run evaluates again from its checkpoint: same numbers.
  auto e = run_lpa("eval --run " + run + " --depths all");
  INFO(e.output);
  REQUIRE(e.exit_code == 0);
  CHECK(read_csv(run + "/per_depth.csv") == per);
  // Early exit on a ResNet: the calibrated threshold reaches the target on val, or the most
  // accurate threshold is taken; either way the test result is reported and the curve written.
  auto ee = run_lpa("eval --run " + run + " --early-exit confidence --target-accuracy 0.5");
  INFO(ee.output);
  REQUIRE(ee.exit_code == 0);
  CHECK(contains(ee.output, "test: accuracy"));
  auto val = run_lpa("eval --run " + run + " --split val --depths all");
  REQUIRE(val.exit_code == 0);
  test::check_early_exit_curve(run);
}

TEST_CASE("cli images: residual_mlp on flattened CIFAR-10 files") {
  test::TempDir dir("cli_c10");
  test::write_cifar10_files(dir.path, 40, 50);
  const std::string cfg = dir.file("m.yaml"), run = dir.file("run");
  test::write_text(cfg, tiny_image_yaml("  type: cifar10\n  root: " + dir.path + "\n  flatten: true\n",
                                        "  type: residual_mlp\n  depth: 3\n  width: 16\n  head: per_depth\n", 30));
  auto r = run_lpa("train --config " + cfg + " --run-dir " + run);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, "CIFAR-10 from " + dir.path + ": 10 classes, 3x32x32, train 160, val 40, test 50"));
  auto per = read_csv(run + "/per_depth.csv");
  REQUIRE(per.size() == 1 + 3);
  CHECK(cell(per, 3, "params") == std::to_string(3072 * 16 + 16 + 3 * (2 * (16 * 16 + 16)) + 16 * 10 + 10));
  // lpa predict reads the CIFAR test file itself (labels inside), normalised as in training:
  // the run's own test accuracy at depth 3.
  auto p = run_lpa("predict --run " + run + " --input " + dir.file("test_batch.bin") + " -o " + dir.file("p.csv"));
  INFO(p.output);
  REQUIRE(p.exit_code == 0);
  auto rows = read_csv(dir.file("p.csv"));
  REQUIRE(rows.size() == 1 + 50);
  int correct = 0;
  for (size_t i = 1; i < rows.size(); ++i) correct += cell(rows, i, "correct") == "1";
  CHECK(correct / 50.0 == Approx(std::stod(cell(per, 3, "accuracy"))));
}

TEST_CASE("cli images: bad data files end with exit 2 naming the file") {
  test::TempDir dir("cli_bad_img");
  test::write_idx_files(dir.path, 40, 10, 8, 8, 4, false);
  const std::string cfg = dir.file("r.yaml");
  test::write_text(cfg, tiny_image_yaml("  type: idx\n  root: " + dir.path + "\n",
                                        "  type: resnet\n  stages: [1]\n  widths: [4]\n  head: per_depth\n", 2));
  SECTION("missing") {
    auto r = run_lpa("train --config " + cfg + " --run-dir " + dir.file("run") +
                     " --set data.root=" + dir.file("nowhere"));
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, dir.file("nowhere/train-images-idx3-ubyte") + ": file not found"));
  }
  SECTION("wrong magic") {
    test::write_text(dir.file("t10k-images-idx3-ubyte"), std::string("\x00\x00\x08\x01 garbage", 12));
    auto r = run_lpa("train --config " + cfg + " --run-dir " + dir.file("run"));
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, dir.file("t10k-images-idx3-ubyte") + ": wrong magic number 0x00000801"));
  }
}
