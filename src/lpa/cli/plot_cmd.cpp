#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/run_plots.h"
#include "lpa/data/dataset.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"

namespace lpa::cli {

int run_plot(const PlotOptions& o) {
  if (o.run_dirs.empty()) throw UserError("plot: name at least one run directory");
  YScale scale = YScale::automatic;
  if (o.y_scale == "linear") scale = YScale::linear;
  else if (o.y_scale == "log") scale = YScale::log;
  else if (o.y_scale != "auto") throw UserError("plot: --y-scale is auto, linear or log, got '" + o.y_scale + "'");
  parse_split(o.split);
  // A flag the chosen kind never reads is refused, like a config key that does nothing.
  if (!o.depths.empty() && o.kind != "curves") throw UserError("plot: --depths goes with --kind curves");
  if (o.x != "depth" && o.kind != "early-exit") throw UserError("plot: --x goes with --kind early-exit");
  if (o.split != "test" && o.kind == "curves")
    throw UserError("plot: --kind curves draws train_log.csv (training) or curves.csv (val); --split does not apply");
  const auto runs = open_runs(o.run_dirs);
  PlotSpec spec;
  if (o.kind == "depth") spec = depth_plot(runs, o.split, o.metric);
  else if (o.kind == "curves") spec = curves_plot(runs, o.metric, o.depths);
  else if (o.kind == "early-exit") spec = early_exit_plot(runs, o.split, o.x);
  else if (o.kind == "latency") spec = latency_plot(runs, o.split, o.metric);
  else throw UserError("plot: --kind is depth, curves, early-exit or latency, got '" + o.kind + "'");
  if (o.y_scale != "auto") spec.y_scale = scale;
  write_file_atomic(o.output, render_svg(spec));
  std::cout << "wrote " << o.output << "\n";
  return 0;
}

}  // namespace lpa::cli
