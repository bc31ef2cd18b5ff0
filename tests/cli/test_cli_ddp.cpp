// Data-parallel `lpa train`: two processes (torchrun-style environment, Gloo over 127.0.0.1)
// against one process with the same global batch.
#include <unistd.h>

#include <csignal>

#include "catch.h"
#include "image_fixtures.h"
#include "lpa/dist/communicator.h"
#include "lpa/io/files.h"
#include "lpa/io/tfevents.h"
#include "run_state.h"
#include "test_support.h"

using namespace lpa;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

bool have_gloo() {
  auto b = dist::available_backends();
  return std::find(b.begin(), b.end(), "gloo") != b.end();
}

std::vector<std::string> worker_env(int rank, int world, int port) {
  return {"RANK=" + std::to_string(rank), "WORLD_SIZE=" + std::to_string(world),
          "LOCAL_RANK=" + std::to_string(rank), "LOCAL_WORLD_SIZE=" + std::to_string(world),
          "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port)};
}

// Numeric cells of a CSV (header skipped), in order.
std::vector<double> numbers(const std::string& path, size_t skip_columns, size_t drop_last = 0) {
  std::vector<double> v;
  auto rows = test::csv_rows(path);
  for (size_t r = 1; r < rows.size(); ++r)
    for (size_t c = skip_columns; c + drop_last < rows[r].size(); ++c) v.push_back(std::stod(rows[r][c]));
  return v;
}

struct OneAndTwo {
  std::string one, two;  // run directories: one process, two processes
  std::string log0, log1;
};

// Trains the config at `cfg` in one process, then in two (torchrun-style environment, Gloo).
OneAndTwo train_one_and_two(const test::TempDir& dir, const std::string& cfg) {
  OneAndTwo r{dir.file("one"), dir.file("two"), "", ""};
  auto r1 = test::run_lpa("train --config " + cfg + " --run-dir " + r.one);
  INFO(r1.output);
  REQUIRE(r1.exit_code == 0);
  const std::vector<std::string> args_two = {"train", "--config", cfg, "--run-dir", r.two};
  const int port = test::free_tcp_port();
  pid_t p0 = test::spawn_lpa(args_two, dir.file("rank0.log"), worker_env(0, 2, port));
  pid_t p1 = test::spawn_lpa(args_two, dir.file("rank1.log"), worker_env(1, 2, port));
  const int e0 = test::wait_exit(p0), e1 = test::wait_exit(p1);
  r.log0 = test::read_text(dir.file("rank0.log"));
  r.log1 = test::read_text(dir.file("rank1.log"));
  INFO("rank 0:\n" << r.log0 << "\nrank 1:\n" << r.log1);
  REQUIRE(e0 == 0);
  REQUIRE(e1 == 0);
  return r;
}

}  // namespace

TEST_CASE("cli data parallel: 2 processes match 1 process with the same global batch to 1e-5") {
  if (!have_gloo()) {
    lpa::test::skip("this build has no Gloo (install libgloo-dev and rebuild)");
  }
  test::TempDir dir("ddp");
  const std::string cfg = dir.file("c.yaml");
  test::write_text(cfg, test::tiny_surface_yaml("ddp", 60));
  const OneAndTwo runs = train_one_and_two(dir, cfg);
  const std::string &one = runs.one, &two = runs.two, &log0 = runs.log0, &log1 = runs.log1;

  const double diff = test::max_abs_diff(test::run_weights(one), test::run_weights(two));
  INFO("largest weight difference after 60 steps: " << diff);
  CHECK(diff <= 1e-5);
  // Training losses (step, epoch, lr, loss, per-depth; not speed/time) and final metrics agree.
  auto l1 = numbers(one + "/train_log.csv", 0, 2), l2 = numbers(two + "/train_log.csv", 0, 2);
  REQUIRE(l1.size() == l2.size());
  for (size_t i = 0; i < l1.size(); ++i) CHECK(l2[i] == Approx(l1[i]).epsilon(1e-4).margin(1e-6));
  auto m1 = numbers(one + "/per_depth.csv", 2), m2 = numbers(two + "/per_depth.csv", 2);
  REQUIRE(m1.size() == m2.size());
  for (size_t i = 0; i < m1.size(); ++i) CHECK(m2[i] == Approx(m1[i]).epsilon(1e-4).margin(1e-6));
  // One writer: rank 0 prints the table and records the world size; rank 1 stays quiet.
  CHECK(contains(test::read_text(two + "/config.yaml"), "processes: 2"));
  // ... and writes the one TensorBoard file: as many whole records as the 1-process run's.
  const auto ev_one = list_event_files(one + "/tb"), ev_two = list_event_files(two + "/tb");
  REQUIRE(ev_one.size() == 1);
  REQUIRE(ev_two.size() == 1);
  size_t whole = 0;
  const std::string bytes = test::read_text(ev_two[0]);
  CHECK(read_records(bytes, &whole).size() == read_records(test::read_text(ev_one[0])).size());
  CHECK(whole == bytes.size());
  CHECK(contains(log0, "run directory: " + two));
  CHECK_FALSE(contains(log1, "run directory:"));
}

TEST_CASE("cli data parallel: a ResNet's BatchNorm over 2 processes matches 1 process (statistics over the global batch)") {
  if (!have_gloo()) {
    lpa::test::skip("this build has no Gloo (install libgloo-dev and rebuild)");
  }
  // Post-activation (BatchNorm in the stem and every block) and pre-activation (one in every
  // exit's head too). Each process holds 16 of the 32 images: normalised over its own half, the
  // very first loss already differs from one process's by far more than the 1e-5 asked here.
  for (const bool preact : {false, true}) {
    test::TempDir dir(preact ? "ddp_bn_preact" : "ddp_bn");
    test::write_idx_files(dir.path, 96, 32, 8, 8, 4, false);
    const std::string cfg = dir.file("r.yaml");
    test::write_text(cfg, std::string("experiment:\n  name: ddp_bn\n") +
                              "model:\n  type: resnet\n  stages: [1, 1]\n  widths: [4, 8]\n  head: per_stage\n" +
                              "  preact: " + (preact ? "true" : "false") + "\n" +
                              "data:\n  type: idx\n  root: " + dir.path + "\n  batch_size: 32\n" +
                              "  val_fraction: 0.25\n  augment: false\n" +
                              "loss:\n  kind: lpa\n" +
                              "train:\n  steps: 12\n  lr: 0.05\n  threads: 1\n  device: cpu\n  log_every: 1\n" +
                              "  warmup_steps: 0\n" +
                              "eval:\n  every: 6\n");
    const OneAndTwo runs = train_one_and_two(dir, cfg);
    INFO((preact ? "pre-activation" : "post-activation") << "\nrank 0:\n" << runs.log0);
    // Weights, and the running statistics every rank tracks (rank 0's are saved).
    const double diff = test::max_abs_diff(test::run_weights(runs.one), test::run_weights(runs.two));
    INFO("largest parameter or buffer difference after 12 steps: " << diff);
    CHECK(diff <= 1e-5);
    auto l1 = numbers(runs.one + "/train_log.csv", 0, 2), l2 = numbers(runs.two + "/train_log.csv", 0, 2);
    REQUIRE(l1.size() == l2.size());
    for (size_t i = 0; i < l1.size(); ++i) CHECK(l2[i] == Approx(l1[i]).epsilon(1e-5).margin(1e-7));
    auto m1 = numbers(runs.one + "/per_depth.csv", 2), m2 = numbers(runs.two + "/per_depth.csv", 2);
    REQUIRE(m1.size() == m2.size());
    for (size_t i = 0; i < m1.size(); ++i) CHECK(m2[i] == Approx(m1[i]).epsilon(1e-5).margin(1e-7));
  }
}

TEST_CASE("cli data parallel: a global batch that does not split evenly is refused") {
  test::TempDir dir("ddp_batch");
  const std::string cfg = dir.file("c.yaml");
  test::write_text(cfg, test::tiny_surface_yaml("ddp_batch", 10));
  auto r = test::run_shell("RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=1 OMP_NUM_THREADS=1 " +
                           std::string(LPA_BINARY) + " train --config " + cfg + " --run-dir " + dir.file("run") +
                           " --set data.batch_size=33");
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "data.batch_size"));
  CHECK(contains(r.output, "does not split evenly over 2"));
  r = test::run_shell("RANK=0 WORLD_SIZE=2 OMP_NUM_THREADS=1 " + std::string(LPA_BINARY) + " train --config " + cfg);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "--run-dir"));
}

TEST_CASE("cli data parallel: torchrun launches the workers") {
  if (!have_gloo() || test::run_shell("command -v torchrun").exit_code != 0) {
    lpa::test::skip("torchrun (python3-torch) or Gloo is not installed");
  }
  test::TempDir dir("torchrun");
  const std::string cfg = dir.file("c.yaml"), run = dir.file("run");
  test::write_text(cfg, test::tiny_surface_yaml("torchrun", 20));
  // --redirects/--tee 1: Debian's torchrun 1.13 fails on Python 3.11 with their default (0).
  auto r = test::run_shell("OMP_NUM_THREADS=1 torchrun --nproc_per_node=2 --master_port=" +
                           std::to_string(test::free_tcp_port()) + " --redirects=1 --tee=1 --no_python " +
                           LPA_BINARY + " train --config " + cfg + " --run-dir " + run);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, "data parallel: 2 processes (torchrun)"));
  CHECK(contains(test::read_text(run + "/config.yaml"), "processes: 2"));
  CHECK(test::csv_rows(run + "/per_depth.csv").size() == 5);  // header + depths 1..4
}

// A run moved from 2 processes to 1 (the global batch unchanged) continues, with a warning.
TEST_CASE("cli data parallel: a 2-process run resumes on 1 process with the same global batch") {
  if (!have_gloo()) {
    lpa::test::skip("this build has no Gloo (install libgloo-dev and rebuild)");
  }
  test::TempDir dir("ddp_move");
  const std::string cfg = dir.file("c.yaml"), one = dir.file("one"), moved = dir.file("moved");
  test::write_text(cfg, test::tiny_surface_yaml("ddp_move", 60));
  const std::string sets = " --set train.checkpoint_every=30 --set train.keep_checkpoints=5";
  REQUIRE(test::run_lpa("train --config " + cfg + " --run-dir " + one + sets).exit_code == 0);
  const std::vector<std::string> args = {"train", "--config", cfg, "--run-dir", moved, "--set",
                                         "train.checkpoint_every=30", "--set", "train.keep_checkpoints=5"};
  const int port = test::free_tcp_port();
  pid_t p0 = test::spawn_lpa(args, dir.file("rank0.log"), worker_env(0, 2, port));
  pid_t p1 = test::spawn_lpa(args, dir.file("rank1.log"), worker_env(1, 2, port));
  REQUIRE(test::wait_exit(p0) == 0);
  REQUIRE(test::wait_exit(p1) == 0);
  // What a 2-process job stopped at step 30 leaves behind, then one process takes it over.
  std::remove((moved + "/checkpoints/step_00000060.pt").c_str());
  std::remove((moved + "/per_depth.csv").c_str());
  auto r = test::run_lpa("train --config " + cfg + " --run-dir " + moved + sets);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, "at step 30"));
  CHECK(contains(r.output, "data parallel over 1 processes, 2 before (the global batch is the same): it continues"));
  CHECK(contains(test::read_text(moved + "/config.yaml"), "processes: 1"));
  CHECK(test::max_abs_diff(test::run_weights(one), test::run_weights(moved)) <= 1e-5);
}

TEST_CASE("cli data parallel: a signal to one rank stops both at the next step that logs") {
  if (!have_gloo()) {
    lpa::test::skip("this build has no Gloo (install libgloo-dev and rebuild)");
  }
  // The ranks agree on stop signals only on the steps that log (every 7 here), not every step;
  // the one that got no signal stops with the other, both save nothing twice and exit 128+15.
  test::TempDir dir("ddp_signal");
  const std::string cfg = dir.file("c.yaml"), run = dir.file("run");
  test::write_text(cfg, test::tiny_surface_yaml("ddp_signal", 20000));
  const std::vector<std::string> args = {"train", "--config", cfg, "--run-dir", run, "--set", "train.log_every=7"};
  const int port = test::free_tcp_port();
  pid_t p0 = test::spawn_lpa(args, dir.file("rank0.log"), worker_env(0, 2, port));
  pid_t p1 = test::spawn_lpa(args, dir.file("rank1.log"), worker_env(1, 2, port));
  REQUIRE(test::wait_logged(p0, run, 21));
  ::kill(p1, SIGTERM);
  const int e0 = test::wait_exit(p0), e1 = test::wait_exit(p1);
  const std::string log0 = test::read_text(dir.file("rank0.log")), log1 = test::read_text(dir.file("rank1.log"));
  INFO("rank 0:\n" << log0 << "\nrank 1:\n" << log1);
  CHECK(e0 == 128 + SIGTERM);
  CHECK(e1 == 128 + SIGTERM);
  const size_t at = log0.find(" at step ", log0.find("stopped by signal 15"));
  REQUIRE(at != std::string::npos);
  const int64_t step = std::stoll(log0.substr(at + 9));
  CHECK(step % 7 == 0);
  CHECK(step >= 21);
  CHECK(contains(log1, "stopped by signal 15 at step " + std::to_string(step)));
  // The checkpoint it saved is that step's.
  CHECK(file_exists(run + "/checkpoints/step_" + std::string(8 - std::to_string(step).size(), '0') +
                    std::to_string(step) + ".pt"));
}
