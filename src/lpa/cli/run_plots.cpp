#include "lpa/cli/run_plots.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "lpa/cli/run_differences.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/eval/depth_spec.h"
#include "lpa/io/files.h"

namespace lpa::cli {
namespace {

// Depths 1, N/4, N/2, N: the shape of a run without sixteen overlapping lines.
std::vector<int64_t> default_depths(int64_t n) {
  std::set<int64_t> d = {1, std::max<int64_t>(1, n / 4), std::max<int64_t>(1, n / 2), n};
  return {d.begin(), d.end()};
}

std::vector<int64_t> chosen_depths(const std::string& spec, int64_t n) {
  return spec.empty() ? default_depths(n) : parse_depth_spec(spec, n);
}

std::string joined(const std::string& label, const std::string& part, size_t runs) {
  return runs == 1 ? part : label + ", " + part;
}

void sort_by_x(PlotSeries& s) {
  std::vector<size_t> order(s.x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s.x[a] < s.x[b]; });
  PlotSeries sorted{s.label, {}, {}};
  for (size_t i : order) sorted.x.push_back(s.x[i]), sorted.y.push_back(s.y[i]);
  s = sorted;
}

// The metric's values by depth (numbers) of one split.
PlotSeries per_depth_series(const CsvTable& t, const std::string& split, const std::string& metric) {
  const DepthValues v = depth_values(t, split, metric);
  PlotSeries s;
  for (size_t i = 0; i < v.depths.size(); ++i) {
    s.x.push_back(static_cast<double>(v.depths[i]));
    s.y.push_back(std::stod(v.cells[i]));
  }
  return s;
}

// One metric for every run: the one asked for, else the first run's default.
std::string metric_of(const std::vector<CsvTable>& tables, const std::string& asked) {
  return asked.empty() ? default_metric(tables.front()) : asked;
}

}  // namespace

std::vector<std::string> series_labels(const std::vector<OpenedRun>& runs) {
  return run_differences(configs_of(runs)).labels;
}

PlotSpec depth_plot(const std::vector<OpenedRun>& runs, const std::string& split, const std::string& asked) {
  std::vector<CsvTable> tables;
  tables.reserve(runs.size());
  for (const auto& r : runs) tables.push_back(read_per_depth(r.dir));
  const std::string metric = metric_of(tables, asked);
  const auto labels = series_labels(runs);
  PlotSpec spec;
  spec.x_label = "depth";
  spec.x_integer = true;
  spec.y_label = metric;
  spec.title = metric + " per depth (" + split + " split)";
  for (size_t r = 0; r < runs.size(); ++r) {
    PlotSeries s = per_depth_series(tables[r], split, metric);
    s.label = labels[r];
    spec.series.push_back(s);
  }
  return spec;
}

PlotSpec curves_plot(const std::vector<OpenedRun>& runs, const std::string& metric, const std::string& depths) {
  const auto labels = series_labels(runs);
  PlotSpec spec;
  spec.x_label = "step";
  spec.x_integer = true;
  spec.y_label = metric.empty() ? "training loss" : "val " + metric;
  spec.title = metric.empty() ? "training loss per depth (train_log.csv)" : "val " + metric + " during training (curves.csv)";
  for (size_t r = 0; r < runs.size(); ++r) {
    if (metric.empty()) {
      const CsvTable t = read_run_csv(runs[r].dir.train_log(), "lpa train");
      const size_t step = t.column("step");
      int64_t n = 0;
      while (t.has("loss_d" + std::to_string(n + 1))) ++n;
      if (n == 0) throw UserError(t.path + ": no loss_d1.. columns");
      for (int64_t d : chosen_depths(depths, n)) {
        const size_t c = t.column("loss_d" + std::to_string(d));
        PlotSeries s;
        s.label = joined(labels[r], "depth " + std::to_string(d), runs.size());
        for (size_t i = 0; i < t.rows.size(); ++i) s.x.push_back(t.number(i, step)), s.y.push_back(t.number(i, c));
        spec.series.push_back(s);
      }
      continue;
    }
    const CsvTable t = read_run_csv(runs[r].dir.curves(), "lpa train, with a validation split");
    const size_t step = t.column("step"), split = t.column("split"), depth = t.column("depth"), m = t.column(metric);
    int64_t n = 0;
    for (size_t i = 0; i < t.rows.size(); ++i) n = std::max(n, static_cast<int64_t>(t.number(i, depth)));
    for (int64_t d : chosen_depths(depths, n)) {
      PlotSeries s;
      s.label = joined(labels[r], "depth " + std::to_string(d), runs.size());
      for (size_t i = 0; i < t.rows.size(); ++i)
        if (t.rows[i][split] == "val" && static_cast<int64_t>(t.number(i, depth)) == d)
          s.x.push_back(t.number(i, step)), s.y.push_back(t.number(i, m));
      spec.series.push_back(s);
    }
  }
  return spec;
}

PlotSpec early_exit_plot(const std::vector<OpenedRun>& runs, const std::string& split, const std::string& x) {
  if (x != "depth" && x != "mflops") throw UserError("plot: --x is depth or mflops, got '" + x + "'");
  const auto labels = series_labels(runs);
  PlotSpec spec;
  spec.x_label = x == "depth" ? "average depth" : "average MFLOPs per sample";
  spec.x_integer = x == "depth";
  spec.y_label = "accuracy";
  spec.y_scale = YScale::linear;
  spec.title = "early exit: accuracy vs " + spec.x_label + " (" + split + " split)";
  for (size_t r = 0; r < runs.size(); ++r) {
    const CsvTable t = read_run_csv(runs[r].dir.file("early_exit.csv"), "lpa eval --early-exit");
    const size_t s_col = t.column("split"), acc = t.column("accuracy");
    const size_t xc = t.column(x == "depth" ? "avg_depth" : "avg_mflops");
    PlotSeries exits;
    exits.label = joined(labels[r], "early exit", runs.size());
    for (size_t i = 0; i < t.rows.size(); ++i)
      if (t.rows[i][s_col] == split) exits.x.push_back(t.number(i, xc)), exits.y.push_back(t.number(i, acc));
    if (exits.x.empty()) throw UserError(t.path + ": no rows for the " + split + " split");
    sort_by_x(exits);
    spec.series.push_back(exits);
    // The same run at fixed depths, where per_depth.csv has them: what early exit must beat.
    if (!file_exists(runs[r].dir.per_depth())) continue;
    const CsvTable per = read_per_depth(runs[r].dir);
    if (!per.has("accuracy")) continue;
    PlotSeries fixed;
    fixed.label = joined(labels[r], "fixed depth", runs.size());
    const size_t ps = per.column("split"), pa = per.column("accuracy");
    const size_t px = per.column(x == "depth" ? "depth" : "mflops_per_sample");
    for (size_t i = 0; i < per.rows.size(); ++i)
      if (per.rows[i][ps] == split) fixed.x.push_back(per.number(i, px)), fixed.y.push_back(per.number(i, pa));
    if (!fixed.x.empty()) spec.series.push_back(fixed);
  }
  return spec;
}

PlotSpec latency_plot(const std::vector<OpenedRun>& runs, const std::string& split, const std::string& asked) {
  std::vector<CsvTable> tables;
  tables.reserve(runs.size());
  for (const auto& r : runs) tables.push_back(read_per_depth(r.dir));
  const std::string metric = metric_of(tables, asked);
  const auto labels = series_labels(runs);
  PlotSpec spec;
  spec.x_label = "batch-1 median latency (ms)";
  spec.y_label = metric;
  spec.title = metric + " (" + split + " split) vs latency, one point per depth";
  for (size_t r = 0; r < runs.size(); ++r) {
    const PlotSeries by_depth = per_depth_series(tables[r], split, metric);
    const CsvTable lat = read_run_csv(runs[r].dir.file("latency.csv"), "lpa bench");
    const size_t d = lat.column("depth"), b = lat.column("batch"), ms = lat.column("median_ms");
    PlotSeries s;
    s.label = labels[r];
    for (size_t i = 0; i < lat.rows.size(); ++i) {
      if (lat.number(i, b) != 1) continue;
      auto it = std::find(by_depth.x.begin(), by_depth.x.end(), lat.number(i, d));
      if (it == by_depth.x.end()) continue;
      s.x.push_back(lat.number(i, ms));
      s.y.push_back(by_depth.y[static_cast<size_t>(it - by_depth.x.begin())]);
    }
    if (s.x.empty())
      throw UserError(lat.path + ": no batch-1 timing of a depth that " + tables[r].path + " has for the " + split +
                      " split");
    sort_by_x(s);
    spec.series.push_back(s);
  }
  return spec;
}

void write_per_depth_svg(const RunDir& run) {
  const CsvTable t = read_per_depth(run);
  const std::string metric = default_metric(t);
  const size_t split = t.column("split");
  std::vector<std::string> splits;
  for (const auto& row : t.rows)
    if (std::find(splits.begin(), splits.end(), row[split]) == splits.end()) splits.push_back(row[split]);
  PlotSpec spec;
  spec.x_label = "depth";
  spec.x_integer = true;
  spec.y_label = metric;
  spec.title = load_config(run.config()).experiment.name + ": " + metric + " per depth";
  for (const auto& s : splits) {
    PlotSeries series = per_depth_series(t, s, metric);
    series.label = s + " split";
    spec.series.push_back(series);
  }
  write_file_atomic(run.file("per_depth.svg"), render_svg(spec));
}

}  // namespace lpa::cli
