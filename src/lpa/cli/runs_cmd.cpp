// `lpa runs [ROOT]`: one row per run directory under ROOT: state, progress, time, the primary
// metric at depths N and N/2, and the config keys that differ between the runs listed.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/run_differences.h"
#include "lpa/cli/run_listing.h"
#include "lpa/config/key_values.h"
#include "lpa/errors.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/files.h"
#include "lpa/io/text_table.h"

namespace lpa::cli {
namespace {

// Where `run` sits under `root`, "." for the root itself.
std::string relative(const std::string& root, const std::string& run) {
  std::string r = run.substr(std::min(run.size(), root.size()));
  while (!r.empty() && r.front() == '/') r.erase(0, 1);
  return r.empty() ? "." : r;
}

bool as_number(const std::string& s, double& v) {
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0';
}

}  // namespace

int run_runs(const RunsOptions& o) {
  if (o.format != "table" && o.format != "csv" && o.format != "markdown")
    throw UserError("runs: --format is table, csv or markdown, got '" + o.format + "'");
  if (!dir_exists(o.root)) throw UserError(o.root + ": no such folder (lpa runs ROOT, default runs/)");
  const std::time_t now = std::time(nullptr);
  std::vector<RunSummary> runs;
  for (const auto& d : find_run_dirs(o.root)) runs.push_back(summarize_run(d, now));
  if (runs.empty()) {
    std::cerr << "lpa: no run directories under " << o.root << std::endl;
    return 0;
  }
  // Keys that differ between the runs whose config.yaml reads back; an unreadable one has none.
  std::vector<ExperimentConfig> configs;
  std::vector<size_t> config_of(runs.size(), 0);
  for (size_t r = 0; r < runs.size(); ++r)
    if (runs[r].readable) config_of[r] = configs.size(), configs.push_back(runs[r].cfg);
  const RunDifferences diff = run_differences(configs);
  const bool table = o.format == "table";

  TextTable t = {{"run", "experiment", "state", "steps", "elapsed", "metric", "from", "N", "at_N", "at_N/2"}};
  for (const auto& k : diff.keys) t[0].push_back(k);
  t[0].emplace_back("note");
  std::vector<std::vector<std::string>> sort_cells;  // per run, parallel to t[0], plain numbers
  for (size_t r = 0; r < runs.size(); ++r) {
    const RunSummary& s = runs[r];
    const std::string total = s.total_steps > 0 ? std::to_string(s.total_steps) : "?";
    std::vector<std::string> row = {relative(o.root, s.dir),
                                    s.readable ? s.cfg.experiment.name : "",
                                    s.state,
                                    std::to_string(s.steps_done) + "/" + total,
                                    table ? clock_text(s.elapsed_s) : (s.elapsed_s < 0 ? "" : csv_number(s.elapsed_s)),
                                    s.metric,
                                    s.from,
                                    s.depth > 0 ? std::to_string(s.depth) : "",
                                    table ? short_number(s.at_depth, 4) : s.at_depth,
                                    table ? short_number(s.at_half, 4) : s.at_half};
    std::vector<std::string> keyed = row;
    keyed[3] = std::to_string(s.steps_done);
    keyed[4] = std::to_string(s.elapsed_s);
    keyed[8] = s.at_depth, keyed[9] = s.at_half;
    for (size_t k = 0; k < diff.keys.size(); ++k) {
      const std::string v = s.readable ? diff.values[config_of[r]][k] : "";
      row.push_back(v), keyed.push_back(v);
    }
    row.push_back(s.note);
    keyed.push_back(s.note);
    t.push_back(row);
    sort_cells.push_back(keyed);
  }

  if (!o.sort.empty()) {
    auto col = std::find(t[0].begin(), t[0].end(), o.sort);
    std::vector<std::string> by_key;  // a config key that does not differ: every run has it
    if (col == t[0].end()) {
      bool known = false;
      for (const auto& r : runs) {
        std::string value;
        if (r.readable)
          for (const auto& [k, v] : config_key_values(r.cfg))
            if (k == o.sort) value = v, known = true;
        by_key.push_back(value);
      }
      if (!known) {
        std::string cols;
        for (const auto& h : t[0]) cols += (cols.empty() ? "" : ", ") + h;
        throw UserError("runs: --sort " + o.sort + ": not a column (" + cols + ") nor a config key");
      }
    }
    const size_t c = static_cast<size_t>(col - t[0].begin());
    std::vector<size_t> order(runs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto cell = [&](size_t i) { return by_key.empty() ? sort_cells[i][c] : by_key[i]; };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      if (cell(a).empty() != cell(b).empty()) return cell(b).empty();  // nothing to show: last
      double x = 0, y = 0;
      if (as_number(cell(a), x) && as_number(cell(b), y)) return o.descending ? x > y : x < y;
      return o.descending ? cell(a) > cell(b) : cell(a) < cell(b);
    });
    TextTable sorted = {t[0]};
    for (size_t i : order) sorted.push_back(t[i + 1]);
    t = sorted;
  }
  if (o.format == "csv") print_csv(std::cout, t);
  else if (o.format == "markdown") print_markdown(std::cout, t);
  else print_aligned(std::cout, t);
  return 0;
}

}  // namespace lpa::cli
