// `lpa runs`: a folder holding finished, running, stopped, killed and failed runs, each told
// from its files alone; the metric at N and N/2 as per_depth.csv has it; differing keys; sort.
#include <csignal>

#include "catch.h"
#include "lpa/io/csv_writer.h"
#include "test_support.h"

using namespace lpa;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// `lpa runs ROOT --format csv` as rows keyed by the run column.
std::map<std::string, std::map<std::string, std::string>> listing(const std::string& root, const std::string& extra = "") {
  const auto r = test::run_lpa("runs " + root + " --format csv " + extra + " > " + root + "/../list.csv");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto rows = read_csv(root + "/../list.csv");  // notes hold commas, in quotes
  std::map<std::string, std::map<std::string, std::string>> out;
  for (size_t i = 1; i < rows.size(); ++i)
    for (size_t c = 0; c < rows[0].size() && c < rows[i].size(); ++c) out[rows[i][0]][rows[0][c]] = rows[i][c];
  return out;
}

std::string per_depth_cell(const std::string& run, int depth) {
  for (const auto& row : test::csv_rows(run + "/per_depth.csv"))
    if (row.size() > 2 && row[0] == "test" && row[1] == std::to_string(depth)) return row[2];
  return "?";
}

}  // namespace

TEST_CASE("cli runs: finished, running, stopped, killed and failed runs in one folder") {
  test::TempDir dir("runs_list");
  const std::string root = dir.file("root"), cfg = dir.file("c.yaml"), slow = dir.file("slow.yaml");
  test::write_text(cfg, test::tiny_surface_yaml("runs", 60));
  // Long enough to be caught running: checkpoints every 20 steps, never finishing on its own.
  test::write_text(slow, test::tiny_surface_yaml("runs_slow", 2000000));

  auto done = test::run_lpa("train --config " + cfg + " --run-dir " + root + "/finished");
  REQUIRE(done.exit_code == 0);
  auto failed = test::run_lpa("train --config " + cfg + " --run-dir " + root + "/failed --set data.noise=1e300");
  REQUIRE(failed.exit_code == 3);

  const pid_t stopping = test::spawn_lpa({"train", "--config", slow, "--run-dir", root + "/stopped",
                                          "--set", "train.checkpoint_every=20", "--set", "train.log_every=5"},
                                         dir.file("stopped.log"));
  REQUIRE(test::wait_logged(stopping, root + "/stopped", 45));
  auto rows = listing(root);
  CHECK(rows["stopped"]["state"] == "running");
  CHECK(contains(rows["stopped"]["note"], "pid " + std::to_string(stopping)));
  ::kill(stopping, SIGTERM);
  CHECK(test::wait_exit(stopping) == 128 + SIGTERM);

  const pid_t killed = test::spawn_lpa({"train", "--config", slow, "--run-dir", root + "/killed", "--set",
                                        "train.checkpoint_every=20", "--set", "train.log_every=5"},
                                       dir.file("killed.log"));
  CHECK(test::interrupt_at(killed, root + "/killed", 45, SIGKILL) == 128 + SIGKILL);

  rows = listing(root);
  REQUIRE(rows.size() == 4);
  CHECK(rows["finished"]["state"] == "finished");
  CHECK(rows["finished"]["steps"] == "60/60");
  CHECK(rows["finished"]["experiment"] == "runs");
  CHECK(rows["finished"]["metric"] == "mse");
  CHECK(rows["finished"]["from"] == "test");
  CHECK(rows["finished"]["N"] == "4");
  CHECK(rows["finished"]["at_N"] == per_depth_cell(root + "/finished", 4));
  CHECK(rows["finished"]["at_N/2"] == per_depth_cell(root + "/finished", 2));
  CHECK(std::stod(rows["finished"]["elapsed"]) > 0);

  CHECK(rows["failed"]["state"] == "failed");
  CHECK(contains(rows["failed"]["note"], "training diverged"));
  CHECK(rows["failed"]["steps"] == "1/60");

  // Stopped by a signal: it saved a checkpoint at the step it stopped, which a resume continues.
  const std::string stopped_state = rows["stopped"]["state"];
  CHECK(stopped_state.rfind("stopped at step ", 0) == 0);
  CHECK(contains(rows["stopped"]["note"], "stopped by signal 15"));
  CHECK(std::stoll(stopped_state.substr(16)) >= 45);
  CHECK(rows["stopped"]["from"].rfind("val@", 0) == 0);  // not finished: the last validation curves

  // Killed outright: it is not running, its last checkpoint is a multiple of 20 below the kill.
  const std::string killed_state = rows["killed"]["state"];
  REQUIRE(killed_state.rfind("stopped at step ", 0) == 0);
  const int64_t at = std::stoll(killed_state.substr(16));
  CHECK(at % 20 == 0);
  CHECK(at >= 40);
  CHECK(contains(rows["killed"]["note"], "killed"));
  CHECK(rows["killed"]["steps"].substr(rows["killed"]["steps"].find('/')) == "/2000000");

  // The config keys that differ between the runs listed are columns: train.steps and data.noise.
  REQUIRE(rows["failed"].count("data.noise") == 1);
  CHECK(rows["failed"]["data.noise"] != rows["finished"]["data.noise"]);
  CHECK(rows["finished"]["train.steps"] == "60");
  CHECK(rows["killed"].count("model.width") == 0);  // the same in all

  // Sorted by a column, by a config key, descending; a table for people; markdown.
  auto sorted = test::run_lpa("runs " + root + " --format csv --sort state");
  CHECK(sorted.output.find("\nfailed,") < sorted.output.find("\nfinished,"));
  auto by_key = test::run_lpa("runs " + root + " --format csv --sort train.steps --descending");
  CHECK(by_key.output.find("\nkilled,") < by_key.output.find("\nfinished,"));
  auto by_metric = test::run_lpa("runs " + root + " --format csv --sort at_N");
  CHECK(by_metric.output.find("\nfailed,") > by_metric.output.find("\nfinished,"));  // nothing to show: last
  auto table = test::run_lpa("runs " + root);
  CHECK(table.exit_code == 0);
  CHECK(contains(table.output, "finished"));
  CHECK(contains(table.output, "0:00:"));  // elapsed as a clock
  auto md = test::run_lpa("runs " + root + " --format markdown");
  CHECK(contains(md.output, "| run | experiment | state |"));
  auto bad = test::run_lpa("runs " + root + " --sort nonsense");
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.output, "--sort nonsense: not a column"));
}

// Guards the unreadable branch of summarize_run: one broken run directory does not hide the rest.
TEST_CASE("cli runs: a run directory whose config.yaml does not read is listed as unreadable") {
  test::TempDir dir("runs_broken");
  const std::string root = dir.file("root"), cfg = dir.file("c.yaml");
  test::write_text(cfg, test::tiny_surface_yaml("runs_b", 20));
  REQUIRE(test::run_lpa("train --config " + cfg + " --run-dir " + root + "/good").exit_code == 0);
  test::run_shell("mkdir -p " + root + "/sweep/broken");
  test::write_text(root + "/sweep/broken/config.yaml", "model: [\n");
  auto rows = listing(root);
  REQUIRE(rows.size() == 2);
  CHECK(rows["good"]["state"] == "finished");
  CHECK(rows["sweep/broken"]["state"] == "unreadable");
  CHECK(contains(rows["sweep/broken"]["note"], "config.yaml"));
}
