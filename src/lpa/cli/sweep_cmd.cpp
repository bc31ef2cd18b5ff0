#include <spdlog/spdlog.h>

#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/resume_check.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/io/run_dir.h"
#include "lpa/sweep/sweep.h"

namespace lpa::cli {
namespace {

std::vector<std::string> task_overrides(const SweepTask& t, const SweepOptions& o) {
  auto v = t.overrides;
  v.insert(v.end(), o.overrides.begin(), o.overrides.end());
  return v;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
  return s.empty() ? "(base config)" : s;
}

int run_task(const Sweep& sweep, const SweepTask& t, const SweepOptions& o) {
  const RunDir run{t.run_dir};
  if (file_exists(run.per_depth())) {
    // Task numbers follow the file's order: an edited sweep file can give a finished task's
    // folder to another task, whose results must not be taken for that run's.
    ResumeCheck change;
    if (file_exists(run.config()))
      change = check_resume(load_config(run.config()), load_config(sweep.base_config, task_overrides(t, o)));
    if (!change.refused.empty())
      throw UserError(o.file + ": task " + std::to_string(t.index) + ": " + run.path +
                      " holds a finished run of another config (" + change.refused +
                      "; was the sweep file edited? move that folder, or run the sweep under another --root)");
    // A longer train.steps (--set) extends the finished task; anything else leaves it be.
    if (change.extension.empty()) {
      std::cout << "task " << t.index << " already finished: " << run.path << std::endl;
      return 0;
    }
  }
  std::cout << "task " << t.index << " of " << sweep.tasks.size() << ": " << joined(t.overrides) << std::endl;
  TrainOptions to;
  to.config = sweep.base_config;
  to.overrides = task_overrides(t, o);
  to.run_dir = run.path;
  return run_train(to);
}

}  // namespace

int run_sweep(const SweepOptions& o) {
  Sweep sweep = load_sweep(o.file);
  if (!o.root.empty()) move_sweep_root(sweep, o.root);
  const int64_t n = static_cast<int64_t>(sweep.tasks.size());
  if (o.list) {
    // Every task's config is resolved now, so a bad override fails before any job starts.
    for (const auto& t : sweep.tasks) {
      try {
        load_config(sweep.base_config, task_overrides(t, o));
      } catch (const UserError& e) {
        throw UserError(o.file + ": task " + std::to_string(t.index) + ": " + e.what());
      }
    }
    std::cout << "# " << n << " tasks from " << o.file << " (base " << sweep.base_config
              << "); Slurm: sbatch --array=0-" << n - 1 << " scripts/slurm/sweep.sbatch " << o.file << "\n";
    for (const auto& t : sweep.tasks)
      std::cout << t.index << "\t" << t.run_dir << "\t" << joined(t.overrides) << "\n";
    return 0;
  }
  if (o.task >= 0) {
    if (o.task >= n)
      throw UserError(o.file + ": --task " + std::to_string(o.task) + " but the sweep has " + std::to_string(n) +
                      " tasks (0.." + std::to_string(n - 1) + ")");
    return run_task(sweep, sweep.tasks[static_cast<size_t>(o.task)], o);
  }
  for (const auto& t : sweep.tasks) {
    const int code = run_task(sweep, t, o);
    if (code != 0) return code;
  }
  return 0;
}

}  // namespace lpa::cli
