#include "lpa/eval/report.h"

#include <sstream>

#include "lpa/io/csv_writer.h"
#include "lpa/io/files.h"

namespace lpa {

void write_per_depth_csv(const std::string& path, Split split, const std::vector<DepthResult>& results) {
  write_per_depth_csv(path, to_string(split), results);
}

void write_per_depth_csv(const std::string& path, const std::string& label, const std::vector<DepthResult>& results) {
  if (results.empty()) return;
  std::vector<std::string> header = {"split", "depth"};
  for (const auto& [k, v] : results.front().metrics) header.push_back(k);
  header.emplace_back("params");
  header.emplace_back("mflops_per_sample");
  std::vector<std::vector<std::string>> kept;
  if (file_exists(path)) {
    auto rows = read_csv(path);
    if (!rows.empty() && rows.front() == header)
      for (size_t i = 1; i < rows.size(); ++i)
        if (!rows[i].empty() && rows[i][0] != label) kept.push_back(rows[i]);
  }
  const std::string tmp = path + ".writing";
  {
    CsvWriter w(tmp, header);
    for (const auto& r : kept) w.row(r);
    for (const auto& r : results) {
      std::vector<std::string> row = {label, std::to_string(r.depth)};
      for (const auto& [k, v] : r.metrics) row.push_back(csv_number(v));
      row.push_back(std::to_string(r.params));
      row.push_back(csv_number(r.mflops_per_sample));
      w.row(row);
    }
  }
  write_file_atomic(path, read_file(tmp));
  std::remove(tmp.c_str());
}

std::string per_depth_report(Split split, const std::vector<DepthResult>& results, Task task) {
  std::ostringstream o;
  o << "per-depth metrics on the " << to_string(split) << " split:\n" << format_depth_table(results);
  if (results.size() > 1) o << describe(progressive_summary(results, task)) << "\n";
  return o.str();
}

}  // namespace lpa
