// `lpa compare RUN...`: what differs between runs' configs, and one metric per depth side by
// side. csv and markdown are for scripts (docs/results.md): cells exactly as per_depth.csv has
// them, one row per depth, one column per run in the order given.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <set>

#include "lpa/cli/commands.h"
#include "lpa/cli/run_differences.h"
#include "lpa/cli/run_tables.h"
#include "lpa/data/dataset.h"
#include "lpa/errors.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/text_table.h"

namespace lpa::cli {
namespace {

using Table = TextTable;

std::string depth_range(const std::vector<int64_t>& d) {
  std::string s;
  for (int64_t x : d) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

}  // namespace

int run_compare(const CompareOptions& o) {
  if (o.run_dirs.empty()) throw UserError("compare: name at least one run directory");
  if (o.format != "table" && o.format != "csv" && o.format != "markdown")
    throw UserError("compare: --format is table, csv or markdown, got '" + o.format + "'");
  parse_split(o.split);
  const auto runs = open_runs(o.run_dirs);
  std::vector<CsvTable> tables;
  tables.reserve(runs.size());
  for (const auto& r : runs) tables.push_back(read_per_depth(r.dir));
  const std::string metric = o.metric.empty() ? default_metric(tables.front()) : o.metric;
  std::vector<DepthValues> values;
  values.reserve(tables.size());
  for (const auto& t : tables) values.push_back(depth_values(t, o.split, metric));

  std::set<int64_t> all, common(values.front().depths.begin(), values.front().depths.end());
  for (const auto& v : values) {
    all.insert(v.depths.begin(), v.depths.end());
    std::set<int64_t> both;
    for (int64_t d : v.depths)
      if (common.count(d)) both.insert(d);
    common = both;
  }
  if (common.empty()) {
    std::string which;
    for (size_t r = 0; r < runs.size(); ++r)
      which += (r ? "; " : "") + runs[r].path + ": " + depth_range(values[r].depths);
    throw UserError("compare: the runs share no depth on the " + o.split + " split (" + which + ")");
  }

  const RunDifferences diff = run_differences(configs_of(runs));
  Table metrics = {{"depth"}};
  for (const auto& l : diff.labels) metrics[0].push_back(l);
  for (int64_t d : all) {
    std::vector<std::string> row = {std::to_string(d)};
    for (const auto& v : values) {
      auto it = std::find(v.depths.begin(), v.depths.end(), d);
      const std::string cell = it == v.depths.end() ? "" : v.cells[static_cast<size_t>(it - v.depths.begin())];
      row.push_back(o.format == "table" ? (cell.empty() ? "-" : short_number(cell, 6)) : cell);
    }
    metrics.push_back(row);
  }
  if (o.format == "csv") {  // one rectangular table; the labels carry the differing keys
    print_csv(std::cout, metrics);
    return 0;
  }

  Table keys = {{"key"}, {"experiment.name"}};
  for (size_t r = 0; r < runs.size(); ++r) keys[0].push_back(runs[r].path), keys[1].push_back(diff.names[r]);
  for (size_t i = 0; i < diff.keys.size(); ++i) {
    std::vector<std::string> row = {diff.keys[i]};
    for (size_t r = 0; r < runs.size(); ++r) row.push_back(diff.values[r][i]);
    keys.push_back(row);
  }
  const std::string caption = o.split + " " + metric + " per depth";
  if (o.format == "markdown") {
    std::cout << "Config keys that differ:\n\n";
    print_markdown(std::cout, keys);
    std::cout << "\n" << caption << ":\n\n";
    print_markdown(std::cout, metrics);
  } else {
    std::cout << (diff.keys.empty() ? "no config key differs\n" : "config keys that differ:\n");
    print_aligned(std::cout, keys);
    std::cout << "\n" << caption << ":\n";
    print_aligned(std::cout, metrics);
  }
  return 0;
}

}  // namespace lpa::cli
