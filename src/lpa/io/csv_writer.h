// RFC 4180 CSV with a header row, flushed after every row so a run's files are readable while
// it trains and complete up to the last row if it dies.
#pragma once
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace lpa {

class CsvWriter {
 public:
  // append=true continues an existing file whose header matches (a resumed run); otherwise
  // the file is created (or replaced) with `header`.
  CsvWriter(const std::string& path, const std::vector<std::string>& header, bool append = false);
  void row(const std::vector<std::string>& cells);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
  size_t columns_;
};

std::string csv_escape(const std::string& cell);
std::string csv_number(double v);  // shortest round-trip-safe text; "nan"/"inf" kept

// Reads a whole CSV (header + rows); handles quoted cells. Throws UserError if unreadable.
std::vector<std::vector<std::string>> read_csv(const std::string& path);

// Rewrites `path` keeping the header and the rows for which keep(row) is true (atomically).
void filter_csv(const std::string& path, const std::function<bool(const std::vector<std::string>&)>& keep);

}  // namespace lpa
