#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/files.h"
#include "lpa/io/run_dir.h"
#include "lpa/io/svg_plot.h"

namespace lpa::cli {

// Per-depth curves of several runs on one chart: the metric of per_depth.csv against depth.
int run_plot(const PlotOptions& o) {
  if (o.run_dirs.empty()) throw UserError("plot: name at least one run directory");
  PlotSpec spec;
  spec.x_label = "depth";
  std::string metric = o.metric;
  for (const auto& dir : o.run_dirs) {
    RunDir run = open_run_dir(dir);
    if (!file_exists(run.per_depth())) throw UserError(run.per_depth() + ": missing (run lpa eval first)");
    auto rows = read_csv(run.per_depth());
    if (rows.size() < 2) throw UserError(run.per_depth() + ": no rows");
    const auto& header = rows.front();
    if (metric.empty()) metric = header.size() > 2 ? header[2] : "";
    auto col = std::find(header.begin(), header.end(), metric);
    if (col == header.end()) throw UserError(run.per_depth() + ": no column '" + metric + "'");
    const size_t c = static_cast<size_t>(col - header.begin());
    ExperimentConfig cfg = load_config(run.config());
    PlotSeries s;
    s.label = cfg.experiment.name + " (" + cfg.loss.kind +
              (cfg.loss.kind == "lpa" ? " " + cfg.loss.mode : "") + ")";
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() <= c || rows[i][0] != o.split) continue;
      s.x.push_back(std::stod(rows[i][1]));
      s.y.push_back(std::stod(rows[i][c]));
    }
    if (s.x.empty()) throw UserError(run.per_depth() + ": no rows for split " + o.split);
    spec.series.push_back(s);
  }
  spec.y_label = metric;
  spec.title = metric + " per depth (" + o.split + " split)";
  spec.log_y = metric == "mse" || metric == "rmse" || metric == "mae" || metric == "nll" ||
               metric == "loss" || metric == "perplexity";
  write_file_atomic(o.output, render_svg(spec));
  std::cout << "wrote " << o.output << "\n";
  return 0;
}

}  // namespace lpa::cli
