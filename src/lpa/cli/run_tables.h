// A run directory's CSVs read back for `lpa compare` and `lpa plot`: checked, with errors a
// user can act on (which file, which column, what is there instead).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lpa/config/config.h"
#include "lpa/io/run_dir.h"

namespace lpa::cli {

struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // after the header; each as wide as the header
  bool has(const std::string& name) const;
  size_t column(const std::string& name) const;  // UserError naming the columns there
  double number(size_t row, size_t col) const;  // UserError when the cell is not a number
};

// Throws UserError when the file is missing (saying which command writes it) or has no rows.
CsvTable read_run_csv(const std::string& path, const std::string& written_by);

struct OpenedRun {
  std::string path;  // as given
  RunDir dir;
  ExperimentConfig cfg;
};
std::vector<OpenedRun> open_runs(const std::vector<std::string>& paths);
std::vector<ExperimentConfig> configs_of(const std::vector<OpenedRun>& runs);

CsvTable read_per_depth(const RunDir& run);

// The metric a run is judged by: per_depth.csv's first metric column (meters report their
// task's primary metric first).
std::string default_metric(const CsvTable& per_depth);

// One metric of one split of per_depth.csv: the cells as written, by depth.
struct DepthValues {
  std::vector<int64_t> depths;
  std::vector<std::string> cells;
};
DepthValues depth_values(const CsvTable& t, const std::string& split, const std::string& metric);

}  // namespace lpa::cli
