#include "lpa/io/csv_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "lpa/errors.h"
#include "lpa/io/files.h"

namespace lpa {

std::string csv_escape(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

static std::string join_row(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + csv_escape(cells[i]);
  return line + "\r\n";
}

CsvWriter::CsvWriter(const std::string& path, const std::vector<std::string>& header, bool append)
    : path_(path), columns_(header.size()) {
  bool continue_file = false;
  if (append && file_exists(path)) {
    auto rows = read_csv(path);
    continue_file = !rows.empty() && rows.front() == header;
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (continue_file ? O_APPEND : O_TRUNC), 0644);
  if (fd_ < 0) throw UserError(write_error(path, errno));
  if (!continue_file) append_line(join_row(header));
}

CsvWriter::~CsvWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void CsvWriter::row(const std::vector<std::string>& cells) {
  if (cells.size() != columns_)
    throw std::logic_error(path_ + ": row has " + std::to_string(cells.size()) + " cells, header " +
                           std::to_string(columns_));
  append_line(join_row(cells));
}

void CsvWriter::append_line(const std::string& line) {
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  if (write_fully(fd_, line.data(), line.size())) return;
  const int err = errno;
  // Shrinking is allowed past `ulimit -f` and on a full disk: drop the part of the row written.
  if (end >= 0 && ::ftruncate(fd_, end) != 0)
    spdlog::warn("{}: a partial last row could not be cut off; a resumed run drops it", path_);
  throw UserError(write_error(path_, err));
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += '"', ++i;
      else if (c == '"') quoted = false;
      else cell += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(cell), cell.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(cell), cell.clear();
      rows.push_back(row), row.clear();
    } else {
      cell += c;
    }
  }
  if (!cell.empty() || !row.empty()) row.push_back(cell), rows.push_back(row);
  return rows;
}

void filter_csv(const std::string& path,
                const std::function<bool(const std::vector<std::string>&)>& keep) {
  auto rows = read_csv(path);
  if (rows.empty()) return;
  std::string text = join_row(rows.front());
  for (size_t i = 1; i < rows.size(); ++i)
    if (keep(rows[i])) text += join_row(rows[i]);
  write_file_atomic(path, text);
}

}  // namespace lpa
