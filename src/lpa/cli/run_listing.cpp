#include "lpa/cli/run_listing.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "lpa/cli/run_tables.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/files.h"
#include "lpa/io/run_dir.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/run_status.h"

namespace lpa::cli {
namespace fs = std::filesystem;
namespace {

void find_in(const fs::path& dir, std::vector<std::string>& out) {
  std::error_code ec;
  if (fs::is_regular_file(dir / "config.yaml", ec)) {
    out.push_back(dir.string());
    return;
  }
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec) && !e.is_symlink(ec)) find_in(e.path(), out);
}

std::time_t modified(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_mtime : 0;
}

// The newest write of a training process in the run directory.
std::time_t last_write(const RunDir& run) {
  std::time_t t = 0;
  for (const auto& f : {run.train_log(), run.curves(), run.status(), run.checkpoints()})
    t = std::max(t, modified(f));
  return t;
}

int64_t checkpoint_step_now(const RunDir& run) {
  const auto files = list_checkpoints(run.checkpoints());
  return files.empty() ? 0 : checkpoint_step(files.front());
}

void read_progress(const RunDir& run, RunSummary& s) {
  if (!file_exists(run.train_log()) || read_csv(run.train_log()).size() < 2) return;  // no step logged yet
  const CsvTable log = read_run_csv(run.train_log(), "lpa train");
  const size_t last = log.rows.size() - 1;
  s.steps_done = static_cast<int64_t>(log.number(last, log.column("step")));
  if (log.has("elapsed_s")) s.elapsed_s = log.number(last, log.column("elapsed_s"));
}

// The value at depths N and N/2 among (depth, cell) rows.
void take_depths(const std::vector<std::pair<int64_t, std::string>>& rows, RunSummary& s) {
  for (const auto& [d, v] : rows) s.depth = std::max(s.depth, d);
  const int64_t half = std::max<int64_t>(1, s.depth / 2);
  for (const auto& [d, v] : rows) {
    if (d == s.depth) s.at_depth = v;
    if (d == half) s.at_half = v;
  }
}

bool read_final_metric(const RunDir& run, RunSummary& s) {
  if (!file_exists(run.per_depth())) return false;
  const CsvTable t = read_per_depth(run);
  const std::string metric = default_metric(t);
  const size_t split = t.column("split"), depth = t.column("depth"), m = t.column(metric);
  std::vector<std::pair<int64_t, std::string>> rows;
  for (size_t i = 0; i < t.rows.size(); ++i)
    if (t.rows[i][split] == s.cfg.eval.split)
      rows.emplace_back(static_cast<int64_t>(t.number(i, depth)), t.rows[i][m]);
  if (rows.empty()) return false;
  s.metric = metric;
  s.from = s.cfg.eval.split;
  take_depths(rows, s);
  return true;
}

void read_curve_metric(const RunDir& run, RunSummary& s) {
  if (!file_exists(run.curves()) || read_csv(run.curves()).size() < 2) return;  // nothing evaluated yet
  const CsvTable t = read_run_csv(run.curves(), "lpa train");
  if (t.header.size() < 5) return;
  const size_t step = t.column("step"), depth = t.column("depth"), m = 4;  // step,epoch,split,depth,<primary>
  const double last = t.number(t.rows.size() - 1, step);
  std::vector<std::pair<int64_t, std::string>> rows;
  for (size_t i = 0; i < t.rows.size(); ++i)
    if (t.number(i, step) == last) rows.emplace_back(static_cast<int64_t>(t.number(i, depth)), t.rows[i][m]);
  s.metric = t.header[m];
  s.from = "val@" + std::to_string(static_cast<int64_t>(last));
  take_depths(rows, s);
}

void decide_state(const RunDir& run, const RunStatus* status, std::time_t now, RunSummary& s) {
  const std::string stopped = "stopped at step " + std::to_string(checkpoint_step_now(run));
  if (!status) {  // an lpa before status.yaml
    s.state = file_exists(run.per_depth()) ? "finished" : stopped;
    return;
  }
  if (status->state == "running") {
    const bool here = status->host == host_name();
    const double quiet = std::difftime(now, last_write(run));
    const std::string where = "pid " + std::to_string(status->pid) + " on " + status->host;
    if (here ? lpa_process_alive(status->pid) : quiet < kRemoteAliveSeconds) {
      s.state = "running";
      s.note = where;
    } else {
      s.state = stopped;
      s.note = here ? "killed (" + where + " is gone)"
                    : "no sign of life for " + std::to_string(static_cast<int64_t>(quiet / 60)) + " min (" + where + ")";
    }
    return;
  }
  s.state = status->state == "stopped" ? stopped : status->state;
  s.note = status->message;
}

}  // namespace

std::vector<std::string> find_run_dirs(const std::string& root) {
  std::vector<std::string> out;
  find_in(fs::path(root), out);
  std::sort(out.begin(), out.end());
  return out;
}

RunSummary summarize_run(const std::string& dir, std::time_t now) {
  const RunDir run{dir};
  RunSummary s;
  s.dir = dir;
  try {
    s.cfg = load_config(run.config());
  } catch (const UserError& e) {
    s.readable = false;
    s.state = "unreadable";
    s.note = e.what();
    return s;
  }
  const auto status = read_run_status(run);
  decide_state(run, status ? &*status : nullptr, now, s);
  s.total_steps = status && status->total_steps > 0 ? status->total_steps : s.cfg.train.steps;
  try {
    read_progress(run, s);
    s.steps_done = std::max(s.steps_done, checkpoint_step_now(run));  // a signal's checkpoint is between rows
    // A run not finished (extended since, say) is judged by its latest validation curves.
    if (s.state != "finished" || !read_final_metric(run, s)) read_curve_metric(run, s);
  } catch (const UserError& e) {
    s.note += (s.note.empty() ? "" : "; ") + std::string(e.what());
  }
  return s;
}

}  // namespace lpa::cli
