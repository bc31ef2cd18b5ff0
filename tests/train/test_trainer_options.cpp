// The training options the Trainer itself applies (train/trainer.cpp), each checked by what it
// does to a tiny run's train_log.csv: the learning-rate schedule reaching the optimiser, gradient
// clipping, the batch size and data augmentation. Without them a config key could be silently
// ignored and every run would still "work".
#include <cmath>
#include <string>
#include <vector>

#include "catch.h"
#include "test_support.h"

using namespace lpa;

namespace {

// One column of train_log.csv, by header name, as numbers.
std::vector<double> log_column(const std::string& run, const std::string& name) {
  auto rows = test::csv_rows(run + "/train_log.csv");
  REQUIRE(rows.size() > 1);
  size_t col = 0;
  while (col < rows[0].size() && rows[0][col] != name) ++col;
  REQUIRE(col < rows[0].size());
  std::vector<double> v;
  for (size_t r = 1; r < rows.size(); ++r) v.push_back(std::stod(rows[r][col]));
  return v;
}

// Trains the tiny surface with full batches (every step sees the same 64 points, so the loss
// changes only when the weights do), logging every step.
std::vector<double> full_batch_losses(const test::TempDir& dir, const std::string& name,
                                      const std::string& sets) {
  const std::string cfg = dir.file(name + ".yaml"), run = dir.file(name);
  test::write_text(cfg, test::tiny_surface_yaml(name, 6));
  auto r = test::run_lpa("train --config " + cfg + " --run-dir " + run +
                         " --set data.n_train=64 --set data.batch_size=64 --set train.log_every=1 " + sets);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return log_column(run, "loss");
}

bool frozen_after_step(const std::vector<double>& loss, size_t first) {
  for (size_t i = first + 1; i < loss.size(); ++i)
    if (std::abs(loss[i] - loss[first]) > 1e-6 * std::abs(loss[first])) return false;
  return true;
}

}  // namespace

// Guards set_learning_rate(*optimizer_, lr) in Trainer::train_step: a step schedule with gamma 0
// makes the learning rate 0 from the second step on, so the weights (and the loss) freeze.
TEST_CASE("trainer: the learning-rate schedule reaches the optimiser") {
  test::TempDir dir("trainer_schedule");
  auto frozen = full_batch_losses(dir, "frozen", "--set train.schedule=step --set train.step_size=1 "
                                                 "--set train.gamma=0 --set train.lr=0.01");
  REQUIRE(frozen.size() == 6);
  CHECK(frozen[1] != Approx(frozen[0]).epsilon(1e-4));  // the first step (lr 0.01) moved the weights
  CHECK(frozen_after_step(frozen, 1));
  auto constant = full_batch_losses(dir, "constant", "--set train.schedule=constant --set train.lr=0.01");
  CHECK_FALSE(frozen_after_step(constant, 1));
}

// Guards `if (cfg_.train.grad_clip > 0) clip_grad_norm_(...)`: with SGD a clip norm of 1e-9
// makes every update negligible; without it the same run learns.
TEST_CASE("trainer: train.grad_clip bounds the update") {
  test::TempDir dir("trainer_clip");
  const std::string sgd = "--set train.optimizer=sgd --set train.lr=0.1 --set train.schedule=constant ";
  auto clipped = full_batch_losses(dir, "clipped", sgd + "--set train.grad_clip=1e-9");
  CHECK(frozen_after_step(clipped, 0));
  auto free = full_batch_losses(dir, "free", sgd + "--set train.grad_clip=0");
  CHECK_FALSE(frozen_after_step(free, 0));
}

// Guards cfg_.data.batch_size reaching the sampler: 256 points in batches of 64 are 4 steps per
// epoch, so the log's epoch column is (step - 1) / 4.
TEST_CASE("trainer: data.batch_size sets the steps per epoch") {
  test::TempDir dir("trainer_batch");
  test::write_text(dir.file("b.yaml"), test::tiny_surface_yaml("b", 9));
  auto r = test::run_lpa("train --config " + dir.file("b.yaml") + " --run-dir " + dir.file("run") +
                         " --set data.batch_size=64 --set train.log_every=1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto steps = log_column(dir.file("run"), "step"), epochs = log_column(dir.file("run"), "epoch");
  REQUIRE(steps.size() == 9);
  for (size_t i = 0; i < steps.size(); ++i) CHECK(epochs[i] == std::floor((steps[i] - 1) / 4));
}

// Guards cfg_.data.augment reaching Dataset::get while training: a byte LM with random window
// offsets sees other windows than one without, from the same seed.
TEST_CASE("trainer: data.augment changes what the training step sees") {
  test::TempDir dir("trainer_augment");
  std::string text;
  for (int i = 0; i < 200; ++i) text += "line " + std::to_string(i * 7919 % 1000) + " of the text. ";
  test::write_text(dir.file("corpus.txt"), text);
  auto losses = [&](const std::string& augment) {
    const std::string run = dir.file("run_" + augment);
    test::write_text(dir.file("lm.yaml"),
                     "model:\n  type: transformer\n  depth: 1\n  width: 16\n  heads: 2\n"
                     "data:\n  type: text\n  files: " + dir.file("corpus.txt") + "\n  seq_len: 16\n"
                     "  batch_size: 8\n  augment: " + augment + "\n"
                     "train:\n  steps: 3\n  threads: 1\n  device: cpu\n  log_every: 1\n"
                     "eval:\n  every: 3\n  max_batches: 1\n");
    auto r = test::run_lpa("train --config " + dir.file("lm.yaml") + " --run-dir " + run);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return log_column(run, "loss");
  };
  auto plain = losses("false"), augmented = losses("true");
  REQUIRE(plain.size() == 3);
  CHECK(plain[0] != augmented[0]);
}
