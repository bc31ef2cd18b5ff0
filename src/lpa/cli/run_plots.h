// The charts `lpa plot --kind` draws from run directories, one builder per kind, and the
// per-depth chart `lpa train` and `lpa eval` leave in a run (per_depth.svg).
#pragma once
#include <string>
#include <vector>

#include "lpa/cli/run_tables.h"
#include "lpa/io/svg_plot.h"

namespace lpa::cli {

// Series are labelled by what tells the runs apart (run_differences); one run: its name.
std::vector<std::string> series_labels(const std::vector<OpenedRun>& runs);

// The metric `asked` per depth of one split, from per_depth.csv ("" = the task's).
PlotSpec depth_plot(const std::vector<OpenedRun>& runs, const std::string& split, const std::string& asked);

// Against the step: the training loss of chosen depths (train_log.csv), or with `metric` a
// validation metric (curves.csv). depths: a depth spec ("" = 1, N/4, N/2, N).
PlotSpec curves_plot(const std::vector<OpenedRun>& runs, const std::string& metric, const std::string& depths);

// Accuracy against the average depth (x "depth") or MFLOPs per sample (x "mflops") of the
// early-exit thresholds (early_exit.csv), with each run's fixed depths for reference.
PlotSpec early_exit_plot(const std::vector<OpenedRun>& runs, const std::string& split, const std::string& x);

// The metric `asked` ("" = the task's) of each depth (per_depth.csv) against its batch-1
// median latency (latency.csv).
PlotSpec latency_plot(const std::vector<OpenedRun>& runs, const std::string& split, const std::string& asked);

// <run>/per_depth.svg: the primary metric per depth, one series per split in per_depth.csv.
void write_per_depth_svg(const RunDir& run);

}  // namespace lpa::cli
