#include "lpa/cli/run_tables.h"

#include <cstdlib>

#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/files.h"

namespace lpa::cli {

bool CsvTable::has(const std::string& name) const {
  for (const auto& h : header)
    if (h == name) return true;
  return false;
}

size_t CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  std::string there;
  for (const auto& h : header)
    if (h != "split" && h != "depth") there += (there.empty() ? "" : ", ") + h;
  throw UserError(path + ": no column '" + name + "' (columns: " + there + ")");
}

double CsvTable::number(size_t row, size_t col) const {
  const std::string& s = rows.at(row).at(col);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0')
    throw UserError(path + ": row " + std::to_string(row + 2) + ", " + header.at(col) + ": '" + s +
                    "' is not a number");
  return v;
}

CsvTable read_run_csv(const std::string& path, const std::string& written_by) {
  if (!file_exists(path)) throw UserError(path + ": missing (written by " + written_by + ")");
  auto all = read_csv(path);
  if (all.size() < 2) throw UserError(path + ": no rows");
  CsvTable t;
  t.path = path;
  t.header = all.front();
  for (size_t i = 1; i < all.size(); ++i) {
    if (all[i].size() != t.header.size())
      throw UserError(path + ": row " + std::to_string(i + 1) + " has " + std::to_string(all[i].size()) +
                      " cells, the header " + std::to_string(t.header.size()));
    t.rows.push_back(std::move(all[i]));
  }
  return t;
}

std::vector<OpenedRun> open_runs(const std::vector<std::string>& paths) {
  std::vector<OpenedRun> runs;
  runs.reserve(paths.size());
  for (const auto& p : paths) {
    RunDir dir = open_run_dir(p);
    runs.push_back({p, dir, load_config(dir.config())});
  }
  return runs;
}

std::vector<ExperimentConfig> configs_of(const std::vector<OpenedRun>& runs) {
  std::vector<ExperimentConfig> c;
  c.reserve(runs.size());
  for (const auto& r : runs) c.push_back(r.cfg);
  return c;
}

CsvTable read_per_depth(const RunDir& run) {
  CsvTable t = read_run_csv(run.per_depth(), "lpa train and lpa eval");
  t.column("split"), t.column("depth");
  if (t.header.size() < 3) throw UserError(t.path + ": no metric columns");
  return t;
}

std::string default_metric(const CsvTable& per_depth) { return per_depth.header.at(2); }

DepthValues depth_values(const CsvTable& t, const std::string& split, const std::string& metric) {
  const size_t s = t.column("split"), d = t.column("depth"), m = t.column(metric);
  DepthValues v;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    if (t.rows[i][s] != split) continue;
    const double depth = t.number(i, d);
    t.number(i, m);  // a number, or an error naming the cell
    v.depths.push_back(static_cast<int64_t>(depth));
    v.cells.push_back(t.rows[i][m]);
  }
  if (v.depths.empty()) throw UserError(t.path + ": no rows for the " + split + " split");
  return v;
}

}  // namespace lpa::cli
