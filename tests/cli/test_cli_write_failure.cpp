// A write the system refuses mid-run (a file past `ulimit -f`, a full disk, a read-only run
// directory): lpa stops with exit 2 and one line naming the file and the reason, the last
// checkpoint and every CSV row before the failure are intact, and once the condition is gone
// the run resumes from them to exactly the numbers of an uninterrupted run.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "catch.h"
#include "cli/bad_input_catalogue.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/tfevents.h"
#include "lpa/train/checkpoint.h"
#include "run_state.h"
#include "test_support.h"

using namespace lpa;

namespace {

namespace fs = std::filesystem;

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  const auto p = t.rfind('\n');
  return p == std::string::npos ? t : t.substr(p + 1);
}

// Step, epoch, lr, loss and per-depth losses of each row (not speed or elapsed time).
std::vector<std::vector<std::string>> log_numbers(const std::string& run) {
  auto rows = test::csv_rows(run + "/train_log.csv");
  for (auto& r : rows) r.resize(r.size() >= 2 ? r.size() - 2 : 0);
  return rows;
}

// A CSV whose last byte ends a row and whose every row has the header's cell count.
void check_whole_rows(const std::string& path) {
  INFO(path);
  const std::string text = test::read_text(path);
  REQUIRE(text.size() >= 2);
  CHECK(text.substr(text.size() - 2) == "\r\n");
  const auto rows = read_csv(path);
  for (const auto& r : rows) CHECK(r.size() == rows.front().size());
}

uintmax_t newest_checkpoint_size(const std::string& run) {
  uintmax_t size = 0;
  for (const auto& e : fs::directory_iterator(run + "/checkpoints")) size = std::max(size, e.file_size());
  return size;
}

// A mount made for one test (tmpfs, or a read-only bind), unmounted when the test ends.
struct Mount {
  std::string point;
  bool ok = false;
  Mount(const std::string& options, const std::string& source, const std::string& target) : point(target) {
    ok = test::run_shell("mount " + options + " " + source + " " + target).exit_code == 0;
  }
  ~Mount() {
    if (ok) test::run_shell("umount " + point);
  }
};

struct WriteFailureRun {
  test::TempDir dir;
  std::string config = dir.file("c.yaml");
  std::string sets;
  WriteFailureRun(const std::string& tag, int steps, const std::string& extra) : dir(tag), sets(extra) {
    test::write_text(config, test::tiny_surface_yaml(tag, steps));
  }
  std::string args(const std::string& run) const { return "train --config " + config + " --run-dir " + run + " " + sets; }
};

}  // namespace

TEST_CASE("cli write failure: a log row past ulimit -f stops lpa (exit 2) naming the file, and resume is exact") {
  // The event file (tests below) grows as fast: off here, so the CSV is the file that fails.
  WriteFailureRun w("wf_ulimit", 1000, "--set train.log_every=1 --set train.checkpoint_every=100 --set eval.every=100 "
                                       "--set output.tensorboard=false");
  const std::string ref = w.dir.file("ref"), run = w.dir.file("run");
  REQUIRE(test::run_lpa(w.args(ref)).exit_code == 0);
  // Every checkpoint fits under the limit; train_log.csv (one row per step) outgrows it.
  const uintmax_t limit_kib = newest_checkpoint_size(ref) / 1024 + 4;
  REQUIRE(fs::file_size(ref + "/train_log.csv") > limit_kib * 1024);

  const auto failed = test::run_shell("OMP_NUM_THREADS=1 bash -c 'ulimit -f " + std::to_string(limit_kib) +
                                      " && exec " + LPA_BINARY + " " + w.args(run) + "'");
  INFO(failed.output);
  CHECK(failed.exit_code == 2);  // not 128 + SIGXFSZ: lpa ignores the signal and reports the write
  CHECK(last_line(failed.output) == "lpa: error: " + run + "/train_log.csv: cannot write (File too large)");

  // What was written before the failure is whole and is the uninterrupted run's.
  check_whole_rows(run + "/train_log.csv");
  check_whole_rows(run + "/curves.csv");
  const auto rows = log_numbers(run), ref_rows = log_numbers(ref);
  REQUIRE(rows.size() > 100);
  REQUIRE(rows.size() < ref_rows.size());
  CHECK(std::equal(rows.begin(), rows.end(), ref_rows.begin()));
  CHECK(test::unreadable_checkpoints(run).empty());
  CHECK(!list_checkpoints(run + "/checkpoints").empty());

  const auto resumed = test::run_lpa(w.args(run));
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.output.find("resumed from") != std::string::npos);
  CHECK(test::bitwise_equal(test::run_weights(ref), test::run_weights(run)));
  CHECK(log_numbers(run) == ref_rows);
  CHECK(test::read_text(run + "/curves.csv") == test::read_text(ref + "/curves.csv"));
}

// Guards AppendFile's cut-back for the TensorBoard file: its last record is whole after the
// failure, and the resumed run's events are those of an uninterrupted run's steps.
TEST_CASE("cli write failure: an event record past ulimit -f stops lpa (exit 2) naming the file, whole records kept") {
  WriteFailureRun w("wf_events", 1000, "--set train.log_every=1 --set train.checkpoint_every=100 --set eval.every=100");
  const std::string ref = w.dir.file("ref"), run = w.dir.file("run");
  REQUIRE(test::run_lpa(w.args(ref)).exit_code == 0);
  const auto ref_events = list_event_files(ref + "/tb");
  REQUIRE(ref_events.size() == 1);
  const uintmax_t limit_kib = std::max(newest_checkpoint_size(ref), fs::file_size(ref + "/train_log.csv")) / 1024 + 4;
  REQUIRE(fs::file_size(ref_events[0]) > limit_kib * 1024);  // the event file is the one to outgrow it

  const auto failed = test::run_shell("OMP_NUM_THREADS=1 bash -c 'ulimit -f " + std::to_string(limit_kib) +
                                      " && exec " + LPA_BINARY + " " + w.args(run) + "'");
  INFO(failed.output);
  CHECK(failed.exit_code == 2);
  const auto events = list_event_files(run + "/tb");
  REQUIRE(events.size() == 1);
  CHECK(last_line(failed.output) == "lpa: error: " + events[0] + ": cannot write (File too large)");
  size_t whole = 0;
  const std::string bytes = test::read_text(events[0]);
  CHECK(read_records(bytes, &whole).size() > 100);
  CHECK(whole == bytes.size());

  const auto resumed = test::run_lpa(w.args(run));
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(test::bitwise_equal(test::run_weights(ref), test::run_weights(run)));
  std::vector<int64_t> steps, ref_steps;
  for (const auto& r : read_records(test::read_text(events[0]))) steps.push_back(decode_event(r).step);
  for (const auto& r : read_records(test::read_text(ref_events[0]))) ref_steps.push_back(decode_event(r).step);
  CHECK(steps == ref_steps);
}

TEST_CASE("cli write failure: a full disk refuses the second checkpoint (exit 2), the first loads and the run resumes") {
  WriteFailureRun w("wf_full", 40,
                    "--set train.checkpoint_every=10 --set train.keep_checkpoints=1 --set train.log_every=5 --set eval.every=10");
  const std::string ref = w.dir.file("ref"), disk = w.dir.file("disk"), run = disk + "/run";
  REQUIRE(test::run_lpa(w.args(ref)).exit_code == 0);
  // tmpfs counts 4 KiB pages: the config, the two logs and one checkpoint fit with half a
  // checkpoint to spare, so the first checkpoint is written and the second cannot be.
  const auto pages = [](uintmax_t bytes) { return (bytes + 4095) / 4096; };
  const uintmax_t ckpt = pages(newest_checkpoint_size(ref));
  const uintmax_t size_kib = 4 * (pages(fs::file_size(ref + "/config.yaml")) + 2 + ckpt + ckpt / 2);
  fs::create_directories(disk);
  Mount tmpfs("-t tmpfs -o size=" + std::to_string(size_kib) + "k", "tmpfs", disk);
  if (!tmpfs.ok) test::skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)");

  const auto failed = test::run_lpa(w.args(run));
  INFO(failed.output);
  CHECK(failed.exit_code == 2);
  CHECK(last_line(failed.output) == "lpa: error: " + run + "/checkpoints/step_00000020.pt: cannot write (No space "
                                    "left on device); the previous checkpoints are intact");
  CHECK(test::unreadable_checkpoints(run).empty());
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(run + "/checkpoints")) left.push_back(e.path().filename().string());
  CHECK(left == std::vector<std::string>{"step_00000010.pt"});  // no partial file left behind
  check_whole_rows(run + "/train_log.csv");
  check_whole_rows(run + "/curves.csv");

  REQUIRE(test::run_shell("mount -o remount,size=16m " + disk).exit_code == 0);
  const auto resumed = test::run_lpa(w.args(run));
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.output.find("resumed from " + run + "/checkpoints/step_00000010.pt at step 10") != std::string::npos);
  CHECK(test::bitwise_equal(test::run_weights(ref), test::run_weights(run)));
  CHECK(log_numbers(run) == log_numbers(ref));
}

TEST_CASE("cli write failure: a read-only run directory is refused (exit 2) and left as it was") {
  WriteFailureRun w("wf_readonly", 20, "");
  const std::string run = w.dir.file("run");
  REQUIRE(test::run_lpa(w.args(run)).exit_code == 0);
  const auto before = test::fingerprint(run);
  // Root writes through permission bits, so there the folder is bind-mounted read-only instead.
  std::unique_ptr<Mount> ro;
  if (::geteuid() == 0) {
    ro = std::make_unique<Mount>("--bind", run, run);
    if (!ro->ok || test::run_shell("mount -o remount,bind,ro " + run).exit_code != 0) {
      ro.reset();
      test::skip("running as root without the right to bind-mount a folder read-only");
    }
  } else {
    REQUIRE(test::run_shell("chmod -R a-w " + run).exit_code == 0);
  }

  const auto refused = test::run_lpa(w.args(run));
  INFO(refused.output);
  CHECK(refused.exit_code == 2);
  const std::string line = last_line(refused.output);
  CHECK(line.rfind("lpa: error: " + run + "/", 0) == 0);
  CHECK((line.find("(Read-only file system)") != std::string::npos || line.find("(Permission denied)") != std::string::npos));
  CHECK(test::fingerprint(run) == before);

  ro.reset();
  test::run_shell("chmod -R u+w " + run);
  CHECK(test::run_lpa(w.args(run)).exit_code == 0);
}
