#include "lpa/io/text_table.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "lpa/io/csv_writer.h"

namespace lpa {
namespace {

std::string markdown_cell(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '|' ? std::string("\\|") : std::string(1, c);
  return o;
}

// Numbers, "-" for none, a clock "1:02:03", a count "150/300".
bool looks_numeric(const std::string& s) {
  if (s.empty() || s == "-") return true;
  return s.find_first_not_of("0123456789.eE+-:/naif") == std::string::npos &&
         s.find_first_of("0123456789") != std::string::npos;
}

}  // namespace

void print_markdown(std::ostream& out, const TextTable& t) {
  for (size_t r = 0; r < t.size(); ++r) {
    std::string line = "|";
    for (const auto& c : t[r]) line += " " + markdown_cell(c) + " |";
    out << line << "\n";
    if (r == 0) {
      line = "|";
      for (size_t c = 0; c < t[r].size(); ++c) line += c == 0 ? " --- |" : " ---: |";
      out << line << "\n";
    }
  }
}

void print_aligned(std::ostream& out, const TextTable& t) {
  std::vector<size_t> w;
  std::vector<bool> numeric;  // a column of numbers (below its header) is right-aligned
  for (size_t r = 0; r < t.size(); ++r)
    for (size_t c = 0; c < t[r].size(); ++c) {
      if (w.size() <= c) w.push_back(0), numeric.push_back(c > 0);
      w[c] = std::max(w[c], t[r][c].size());
      if (r > 0) numeric[c] = numeric[c] && looks_numeric(t[r][c]);
    }
  for (const auto& row : t) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(w[c] - row[c].size(), ' ');
      line += (c ? "  " : "") + (numeric[c] ? pad + row[c] : row[c] + pad);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

std::string short_number(const std::string& cell, int digits) {
  char* end = nullptr;
  const double v = std::strtod(cell.c_str(), &end);
  if (cell.empty() || *end != '\0') return cell;
  char b[32];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return b;
}

std::string clock_text(double seconds) {
  if (seconds < 0) return "-";
  char b[32];
  const auto t = static_cast<long long>(seconds);
  std::snprintf(b, sizeof b, "%lld:%02lld:%02lld", t / 3600, (t / 60) % 60, t % 60);
  return b;
}

void print_csv(std::ostream& out, const TextTable& t) {
  for (const auto& row : t) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) line += (c ? "," : "") + csv_escape(row[c]);
    out << line << "\n";
  }
}

}  // namespace lpa
