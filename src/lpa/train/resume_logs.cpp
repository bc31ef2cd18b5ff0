#include "lpa/train/resume_logs.h"

#include <algorithm>
#include <vector>

#include "lpa/io/csv_writer.h"
#include "lpa/io/files.h"

namespace lpa {

void truncate_log_after_step(const std::string& file, int64_t step) {
  if (!file_exists(file)) return;
  // A process killed mid-write may have left half a row.
  std::string text = read_file(file);
  const size_t end = text.find_last_of('\n');
  if (end + 1 != text.size()) write_file_atomic(file, text.substr(0, end == std::string::npos ? 0 : end + 1));
  auto rows = read_csv(file);
  if (rows.empty()) return;
  const size_t columns = rows.front().size();
  filter_csv(file, [&](const std::vector<std::string>& row) {
    if (row.size() != columns || row[0].empty() || row[0].find_first_not_of("0123456789") != std::string::npos)
      return false;
    // A step with more digits than int64_t holds is past any checkpoint (and past std::stoll).
    const std::string digits = row[0].substr(std::min(row[0].find_first_not_of('0'), row[0].size()));
    return digits.size() <= 18 && (digits.empty() ? 0 : std::stoll(digits)) <= step;
  });
}

}  // namespace lpa
