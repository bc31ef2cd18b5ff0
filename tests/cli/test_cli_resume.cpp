// Crash and preemption safety of `lpa train`, end to end: kill -9 at random moments, signals.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <random>
#include <thread>

#include "catch.h"
#include "lpa/io/files.h"
#include "run_state.h"
#include "test_support.h"

using namespace lpa;

namespace {

// Waits until the run has logged step >= target, then sends `sig` after a random delay.
int interrupt_at(pid_t pid, const std::string& run, int64_t target, int sig, std::mt19937& rng) {
  return test::interrupt_at(pid, run, target, sig, std::uniform_int_distribution<int>(0, 3000)(rng));
}

// Step, epoch, lr, loss and per-depth losses of each row (not speed or elapsed time).
std::vector<std::vector<std::string>> log_numbers(const std::string& run) {
  auto rows = test::csv_rows(run + "/train_log.csv");
  for (auto& r : rows) r.resize(r.size() >= 2 ? r.size() - 2 : 0);
  return rows;
}

struct ResumeSetup {
  test::TempDir dir;
  std::string config = dir.file("c.yaml"), ref = dir.file("ref"), run = dir.file("run");
  std::vector<std::string> sets;
  int64_t steps;
  ResumeSetup(const std::string& tag, int64_t steps_, std::vector<std::string> extra) : dir(tag), steps(steps_) {
    test::write_text(config, test::tiny_surface_yaml(tag, static_cast<int>(steps)));
    sets = {"--set", "train.checkpoint_every=5", "--set", "train.log_every=5", "--set", "eval.every=100",
            "--set", "model.dropout=0.1", "--set", "train.warmup_steps=20"};
    for (auto& e : extra) sets.push_back(e);
  }
  std::vector<std::string> args(const std::string& run_dir) const {
    std::vector<std::string> a = {"train", "--config", config, "--run-dir", run_dir};
    a.insert(a.end(), sets.begin(), sets.end());
    return a;
  }
  std::string arg_line(const std::string& run_dir) const {
    std::string s;
    for (const auto& a : args(run_dir)) s += a + " ";
    return s;
  }
};

}  // namespace

TEST_CASE("cli resume: kill -9 at 5 random moments, final weights equal an uninterrupted run") {
  ResumeSetup s("kill9", 1500, {});
  auto ref = test::run_lpa(s.arg_line(s.ref));
  REQUIRE(ref.exit_code == 0);

  const unsigned seed = std::random_device{}();
  INFO("random seed " << seed);
  std::mt19937 rng(seed);
  std::vector<int64_t> targets;
  for (int i = 0; i < 5; ++i) targets.push_back(std::uniform_int_distribution<int64_t>(s.steps / 20, s.steps * 17 / 20)(rng));
  std::sort(targets.begin(), targets.end());
  for (int64_t target : targets) {
    INFO("kill -9 after step " << target);
    const pid_t pid = test::spawn_lpa(s.args(s.run), s.dir.file("attempts.log"));
    CHECK(interrupt_at(pid, s.run, target, SIGKILL, rng) == 128 + SIGKILL);
    // Whatever moment the kill hit (mid-step, mid-save, mid-log), every checkpoint is whole.
    auto bad = test::unreadable_checkpoints(s.run);
    CHECK(bad.empty());
    for (const auto& b : bad) WARN(b);
  }
  auto last = test::run_lpa(s.arg_line(s.run));
  INFO(last.output);
  REQUIRE(last.exit_code == 0);
  CHECK(last.output.find("resumed from") != std::string::npos);
  CHECK(test::bitwise_equal(test::run_weights(s.ref), test::run_weights(s.run)));
  CHECK(log_numbers(s.ref) == log_numbers(s.run));  // each step logged once, same losses
  CHECK(test::read_text(s.ref + "/curves.csv") == test::read_text(s.run + "/curves.csv"));
  CHECK(test::read_text(s.ref + "/per_depth.csv") == test::read_text(s.run + "/per_depth.csv"));
}

TEST_CASE("cli signals: SIGUSR1 and SIGTERM save and exit 128+n, SIGINT saves and stops, resume is exact") {
  ResumeSetup s("signals", 900, {"--set", "train.requeue=true"});  // no Slurm here: requeue is skipped
  auto ref = test::run_lpa(s.arg_line(s.ref));
  REQUIRE(ref.exit_code == 0);
  std::mt19937 rng(7);
  int64_t target = 100;
  for (int sig : {SIGUSR1, SIGTERM, SIGINT}) {
    INFO("signal " << sig);
    const std::string log = s.dir.file("signal_" + std::to_string(sig) + ".log");
    const pid_t pid = test::spawn_lpa(s.args(s.run), log);
    CHECK(interrupt_at(pid, s.run, target, sig, rng) == 128 + sig);
    const std::string out = test::read_text(log);
    INFO(out);
    CHECK(out.find("stopped by signal " + std::to_string(sig)) != std::string::npos);
    // The checkpoint is of the step the loop stopped at, not an older periodic one.
    const size_t at = out.find(" at step ", out.find("stopped by signal"));
    REQUIRE(at != std::string::npos);
    const int64_t stopped = std::stoll(out.substr(at + 9));
    char name[32];
    std::snprintf(name, sizeof name, "/step_%08lld.pt", static_cast<long long>(stopped));
    CHECK(file_exists(s.run + "/checkpoints" + name));
    target = stopped + 150;
  }
  auto last = test::run_lpa(s.arg_line(s.run));
  REQUIRE(last.exit_code == 0);
  CHECK(test::bitwise_equal(test::run_weights(s.ref), test::run_weights(s.run)));
  CHECK(log_numbers(s.ref) == log_numbers(s.run));
}
