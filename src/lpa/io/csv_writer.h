// RFC 4180 CSV with a header row, written row by row (no buffering) so a run's files are
// readable while it trains and complete up to the last row if it dies.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lpa/io/append_file.h"

namespace lpa {

class CsvWriter {
 public:
  // append=true continues an existing file whose header matches (a resumed run); otherwise
  // the file is created (or replaced) with `header`.
  CsvWriter(const std::string& path, const std::vector<std::string>& header, bool append = false);
  // A row the system refuses (full disk, `ulimit -f`) is cut off again, so the file still ends
  // with a whole row, and throws UserError naming the file.
  void row(const std::vector<std::string>& cells);
  const std::string& path() const { return file_->path(); }

 private:
  std::unique_ptr<AppendFile> file_;
  size_t columns_;
};

std::string csv_escape(const std::string& cell);
std::string csv_number(double v);  // shortest round-trip-safe text; "nan"/"inf" kept

// Reads a whole CSV (header + rows); handles quoted cells. Throws UserError if unreadable.
std::vector<std::vector<std::string>> read_csv(const std::string& path);

// Rewrites `path` keeping the header and the rows for which keep(row) is true (atomically).
void filter_csv(const std::string& path, const std::function<bool(const std::vector<std::string>&)>& keep);

}  // namespace lpa
