// What `lpa runs` says about one run directory, read from its files alone: status.yaml (what
// `lpa train` last did there), train_log.csv, curves.csv, per_depth.csv and checkpoints/.
#pragma once
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "lpa/config/config.h"

namespace lpa::cli {

struct RunSummary {
  std::string dir;         // as found under the root
  bool readable = true;    // config.yaml loaded
  ExperimentConfig cfg;
  std::string state;       // finished | running | stopped at step s | failed
  std::string note;        // why it stopped or failed, where it runs; "" when nothing to add
  int64_t steps_done = 0;  // the last step logged or checkpointed
  int64_t total_steps = 0; // 0 when unknown (a run of an older lpa trained by epochs)
  double elapsed_s = -1;   // training time logged; -1 when none
  std::string metric;      // the task's primary metric ("" when nothing was evaluated yet)
  std::string from;        // "test" (per_depth.csv) or "val@<step>" (the last curves.csv rows)
  int64_t depth = 0;       // N, the deepest depth evaluated
  std::string at_depth, at_half;  // the metric at N and N/2 as written ("" when absent)
};

// A run directory on another host counts as running while some file in it is younger than this.
constexpr double kRemoteAliveSeconds = 15 * 60;

// Run directories (folders holding config.yaml) under `root`, at any depth, sorted; a run
// directory's own subfolders are not searched.
std::vector<std::string> find_run_dirs(const std::string& root);

// An unreadable config.yaml gives state "unreadable" (readable = false) with the reason as the
// note; an unreadable log becomes a note.
RunSummary summarize_run(const std::string& dir, std::time_t now);

}  // namespace lpa::cli
