// Extending a finished run (a larger train.steps continues from its last checkpoint) and moving
// a run (another train.threads on resume); what changes the computation stays refused.
#include "catch.h"
#include "lpa/io/files.h"
#include "run_state.h"
#include "test_support.h"

using namespace lpa;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// step -> lr cell of train_log.csv
std::map<int64_t, std::string> lr_by_step(const std::string& run) {
  std::map<int64_t, std::string> out;
  const auto rows = test::csv_rows(run + "/train_log.csv");
  for (size_t i = 1; i < rows.size(); ++i) out[std::stoll(rows[i][0])] = rows[i][2];
  return out;
}

}  // namespace

TEST_CASE("cli extend: a finished 300-step run extended to 600 continues from step 300") {
  test::TempDir dir("extend");
  const std::string cfg = dir.file("c.yaml"), run = dir.file("run"), ref = dir.file("ref600");
  test::write_text(cfg, test::tiny_surface_yaml("extend", 300));
  const std::string base = "train --config " + cfg + " --set train.warmup_steps=10 --run-dir ";
  REQUIRE(test::run_lpa(base + run).exit_code == 0);
  const std::string per_depth_300 = test::read_text(run + "/per_depth.csv");
  const std::string config_300 = test::read_text(run + "/config.yaml");

  // Shorter is refused, naming the key and both values; nothing in the run is touched.
  auto shorter = test::run_lpa(base + run + " --set train.steps=200");
  CHECK(shorter.exit_code == 2);
  CHECK(contains(shorter.output, run + ": holds a run with a different config: train.steps is 300 there, 200 here "
                                       "(a run can be extended, not shortened)"));
  auto other = test::run_lpa(base + run + " --set train.steps=600 --set train.lr=0.001");
  CHECK(other.exit_code == 2);
  CHECK(contains(other.output, "train.lr is 0.005 there, 0.001 here"));
  CHECK(test::read_text(run + "/config.yaml") == config_300);

  auto ext = test::run_lpa(base + run + " --set train.steps=600");
  INFO(ext.output);
  REQUIRE(ext.exit_code == 0);
  CHECK(contains(ext.output, "resumed from"));
  CHECK(contains(ext.output, "step_00000300.pt at step 300"));
  CHECK(contains(ext.output, "extending the run: train.steps 300 -> 600 from step 300"));
  const auto rows = test::csv_rows(run + "/train_log.csv");
  REQUIRE(rows.size() == 61);  // steps 10..600 every 10, each once
  for (size_t i = 1; i < rows.size(); ++i) CHECK(rows[i][0] == std::to_string(10 * i));
  CHECK(test::read_text(run + "/per_depth.csv") != per_depth_300);
  const std::string meta = test::read_text(run + "/config.yaml");
  CHECK(contains(meta, "steps: 600"));
  CHECK(contains(meta, "extended: train.steps 300 -> 600 at step 300 ("));

  // From step 300 on, the learning rate is the one of a run planned for 600 steps from the start
  // (cosine: back up from the 300-step run's floor), as the README says.
  REQUIRE(test::run_lpa(base + ref + " --set train.steps=600").exit_code == 0);
  const auto lr = lr_by_step(run), lr_ref = lr_by_step(ref);
  for (int64_t s = 310; s <= 600; s += 10) CHECK(lr.at(s) == lr_ref.at(s));
  CHECK(lr.at(300) != lr_ref.at(300));  // the first 300 steps followed the 300-step schedule
  CHECK(std::stod(lr.at(310)) > std::stod(lr.at(300)));

  // Extending again records both extensions, oldest first; the same length again changes nothing.
  REQUIRE(test::run_lpa(base + run + " --set train.steps=700").exit_code == 0);
  CHECK(contains(test::read_text(run + "/config.yaml"), "extended: train.steps 300 -> 600 at step 300 ("));
  CHECK(contains(test::read_text(run + "/config.yaml"), "; train.steps 600 -> 700 at step 600 ("));
  auto again = test::run_lpa(base + run + " --set train.steps=700");
  CHECK(again.exit_code == 0);
  CHECK_FALSE(contains(again.output, "extending the run"));
}

TEST_CASE("cli extend: a run stopped at step 150 resumes with another train.threads, with a warning") {
  test::TempDir dir("move");
  const std::string cfg = dir.file("c.yaml"), run = dir.file("run"), ref = dir.file("ref");
  test::write_text(cfg, test::tiny_surface_yaml("move", 300));
  const std::string base = "train --config " + cfg + " --set train.checkpoint_every=150 --set train.keep_checkpoints=5 "
                           "--set model.width=64 --run-dir ";
  REQUIRE(test::run_lpa(base + ref).exit_code == 0);
  REQUIRE(test::run_lpa(base + run).exit_code == 0);
  // What a run stopped at step 150 leaves: its checkpoint at 150, rows logged after it (cut on
  // resume), no final table.
  REQUIRE(file_exists(run + "/checkpoints/step_00000150.pt"));
  std::remove((run + "/checkpoints/step_00000300.pt").c_str());
  std::remove((run + "/per_depth.csv").c_str());

  auto moved = test::run_lpa(base + run + " --set train.threads=2");
  INFO(moved.output);
  REQUIRE(moved.exit_code == 0);
  CHECK(contains(moved.output, "at step 150"));
  CHECK(contains(moved.output, "train.threads 1 -> 2 since the run's last start: it continues, but its last bits "
                               "may differ"));
  CHECK(contains(test::read_text(run + "/config.yaml"), "threads: 2"));
  CHECK(file_exists(run + "/per_depth.csv"));
  const auto rows = test::csv_rows(run + "/train_log.csv");
  REQUIRE(rows.size() == 31);
  for (size_t i = 1; i < rows.size(); ++i) CHECK(rows[i][0] == std::to_string(10 * i));
  // The same training, up to float rounding of another thread count.
  CHECK(test::max_abs_diff(test::run_weights(run), test::run_weights(ref)) < 1e-4);

  // train.device too; a key that changes what is computed does not.
  auto device = test::run_lpa(base + run + " --set train.threads=2 --set train.device=auto");
  CHECK(device.exit_code == 0);
  auto width = test::run_lpa(base + run + " --set train.threads=2 --set model.width=32");
  CHECK(width.exit_code == 2);
  CHECK(contains(width.output, "model.width is 64 there, 32 here"));
}
