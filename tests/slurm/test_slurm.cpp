// Real Slurm (scripts/slurm/local-cluster.sh: slurmctld + slurmd + munge on this machine):
// a 2-task data-parallel job, a 2-task array sweep, and a job requeued mid-training. These
// tests start the cluster if it is down (CTest stops it after them: tests/CMakeLists.txt) and
// skip, saying why, only where it cannot start (not root, packages missing).
#include <chrono>
#include <regex>
#include <thread>

#include "catch.h"
#include "lpa/io/files.h"
#include "lpa/train/checkpoint.h"
#include "run_state.h"
#include "test_support.h"

using namespace lpa;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string slurm_dir() {
  const char* d = std::getenv("LPA_SLURM_DIR");
  return d ? d : "/tmp/lpa-slurm";
}

// "" when the cluster is up; otherwise why it cannot start (the test then skips). A start that
// fails for any other reason fails the test.
std::string ensure_cluster() {
  auto r = test::run_shell(test::source_dir() + "/scripts/slurm/local-cluster.sh start");
  if (r.exit_code == 3) return r.output;
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return "";
}

test::CommandResult slurm(const std::string& command) {
  return test::run_shell("SLURM_CONF=" + slurm_dir() + "/slurm.conf " + command);
}

std::string submit(const std::string& options, const std::string& script, const std::string& args,
                   const std::string& env) {
  auto r = slurm(env + " LPA=" + std::string(LPA_BINARY) + " OMP_NUM_THREADS=1 sbatch --parsable --gres=none " +
                 options + " " + test::source_dir() + "/scripts/slurm/" + script + " " + args);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::string id = r.output.substr(0, r.output.find_first_of(";\n"));
  REQUIRE_FALSE(id.empty());
  return id;
}

// `scontrol show job` records of a job (one per array task), one line each.
std::vector<std::string> job_records(const std::string& id) {
  auto r = slurm("scontrol -o show job " + id);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < r.output.size()) {
    size_t end = r.output.find('\n', start);
    if (end == std::string::npos) end = r.output.size();
    if (end > start) lines.push_back(r.output.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string field(const std::string& record, const std::string& key) {
  std::smatch m;
  if (std::regex_search(record, m, std::regex("(^| )" + key + "=([^ ]*)"))) return m[2];
  return "";
}

bool finished(const std::string& state) {
  for (const char* s : {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"})
    if (state == s) return true;
  return false;
}

// Waits (bounded: jobs here take seconds; Slurm's own timers tick every ~30 s) until every
// record of the job has finished and `extra` holds; returns the final records.
template <typename Pred>
std::vector<std::string> wait_for_job(const std::string& id, int expected_records, Pred extra, int limit_s = 240) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limit_s);
  std::vector<std::string> recs;
  while (std::chrono::steady_clock::now() < deadline) {
    recs = job_records(id);
    bool done = static_cast<int>(recs.size()) == expected_records;
    for (const auto& r : recs) done = done && finished(field(r, "JobState"));
    if (done && extra(recs)) return recs;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  slurm("scancel " + id);
  FAIL("job " << id << " did not finish within " << limit_s << " s:\n" << (recs.empty() ? "" : recs[0]));
  return recs;
}

std::vector<std::string> wait_for_job(const std::string& id, int expected_records = 1) {
  return wait_for_job(id, expected_records, [](const std::vector<std::string>&) { return true; });
}

}  // namespace

TEST_CASE("slurm: a 2-task data-parallel job (srun) matches a 1-process run", "[slurm]") {
  const std::string why = ensure_cluster();
  if (!why.empty()) {
    lpa::test::skip("Slurm cannot start here: " + why);
  }
  test::TempDir dir("slurm_ddp");
  const std::string cfg = dir.file("c.yaml"), one = dir.file("one"), two = dir.file("two");
  test::write_text(cfg, test::tiny_surface_yaml("slurm_ddp", 60));
  REQUIRE(test::run_lpa("train --config " + cfg + " --run-dir " + one).exit_code == 0);

  const std::string id = submit("--nodes=1 --ntasks=2 --ntasks-per-node=2 --cpus-per-task=1 --output=" +
                                    dir.file("slurm-%j.out"),
                                "train_ddp.sbatch", cfg, "RUN_DIR=" + two);
  auto recs = wait_for_job(id);
  const std::string out = test::read_text(dir.file("slurm-" + id + ".out"));
  INFO(recs[0] << "\n" << out);
  REQUIRE(field(recs[0], "JobState") == "COMPLETED");
  CHECK(contains(out, "data parallel: 2 processes (slurm)"));
  CHECK(contains(test::read_text(two + "/config.yaml"), "processes: 2"));
  const double diff = test::max_abs_diff(test::run_weights(one), test::run_weights(two));
  INFO("largest weight difference: " << diff);
  CHECK(diff <= 1e-5);
}

TEST_CASE("slurm: an array job runs one sweep task per element", "[slurm]") {
  const std::string why = ensure_cluster();
  if (!why.empty()) {
    lpa::test::skip("Slurm cannot start here: " + why);
  }
  test::TempDir dir("slurm_array");
  test::write_text(dir.file("base.yaml"), test::tiny_surface_yaml("slurm_array", 30));
  test::write_text(dir.file("s.yaml"), "base: base.yaml\nroot: " + dir.file("runs") +
                                           "\nlist:\n  - [loss.kind=e2e]\n  - [loss.kind=lpa]\n");
  const std::string id = submit("--array=0-1 --cpus-per-task=1 --output=" + dir.file("slurm-%A_%a.out"),
                                "sweep.sbatch", dir.file("s.yaml"), "");
  auto recs = wait_for_job(id, 2);
  for (const auto& r : recs) {
    INFO(r);
    CHECK(field(r, "JobState") == "COMPLETED");
  }
  for (int task = 0; task < 2; ++task) {
    const std::string run = dir.file("runs/s/task_00" + std::to_string(task));
    INFO(test::read_text(dir.file("slurm-" + id + "_" + std::to_string(task) + ".out")));
    CHECK(file_exists(run + "/per_depth.csv"));
    CHECK(contains(test::read_text(run + "/config.yaml"), task == 0 ? "kind: e2e" : "kind: lpa"));
  }
}

TEST_CASE("slurm: a job requeued mid-training ends equal to an uninterrupted run", "[slurm]") {
  const std::string why = ensure_cluster();
  if (!why.empty()) {
    lpa::test::skip("Slurm cannot start here: " + why);
  }
  test::TempDir dir("slurm_requeue");
  const std::string cfg = dir.file("c.yaml"), ref = dir.file("ref"), run = dir.file("run");
  test::write_text(cfg, test::tiny_surface_yaml("slurm_requeue", 3000));
  const std::string sets = "--set train.checkpoint_every=50 --set train.log_every=50 --set eval.every=1000";
  REQUIRE(test::run_lpa("train --config " + cfg + " --run-dir " + ref + " " + sets).exit_code == 0);

  const std::string id = submit("--cpus-per-task=1 --output=" + dir.file("slurm-%j.out"), "train.sbatch",
                                cfg + " " + sets, "RUN_DIR=" + run);
  // Once it has written a checkpoint, SIGUSR1 as Slurm's --signal=B:USR1 would send it: lpa
  // saves, runs `scontrol requeue <id>` itself, and the requeued job resumes in RUN_DIR.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (list_checkpoints(run + "/checkpoints").empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE_FALSE(list_checkpoints(run + "/checkpoints").empty());
  REQUIRE(slurm("scancel --batch --signal=USR1 " + id).exit_code == 0);
  auto recs = wait_for_job(id);  // requeued jobs show PENDING, then RUNNING, until they finish
  const std::string out = test::read_text(dir.file("slurm-" + id + ".out"));
  INFO(recs[0] << "\n" << out);
  REQUIRE(field(recs[0], "JobState") == "COMPLETED");
  CHECK(field(recs[0], "Restarts") == "1");
  CHECK(contains(out, "requeueing Slurm job: scontrol requeue " + id));
  CHECK(contains(out, "resumed from"));
  CHECK(test::bitwise_equal(test::run_weights(ref), test::run_weights(run)));
}
