#include "lpa/io/csv_writer.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
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

static bool continues(const std::string& path, const std::vector<std::string>& header, bool append) {
  if (!append || !file_exists(path)) return false;
  auto rows = read_csv(path);
  return !rows.empty() && rows.front() == header;
}

CsvWriter::CsvWriter(const std::string& path, const std::vector<std::string>& header, bool append)
    : columns_(header.size()) {
  const bool continue_file = continues(path, header, append);
  file_ = std::make_unique<AppendFile>(path, continue_file);
  if (!continue_file) file_->append(join_row(header));
}

void CsvWriter::row(const std::vector<std::string>& cells) {
  if (cells.size() != columns_)
    throw std::logic_error(file_->path() + ": row has " + std::to_string(cells.size()) + " cells, header " +
                           std::to_string(columns_));
  file_->append(join_row(cells));
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
