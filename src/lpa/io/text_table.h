// Tables of text cells printed for people (aligned columns: numbers right, text left), for
// documents (GitHub markdown) or for scripts (CSV). `lpa compare` and `lpa runs` print with them.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace lpa {

using TextTable = std::vector<std::vector<std::string>>;  // row 0 is the header

void print_aligned(std::ostream& out, const TextTable& t);
void print_markdown(std::ostream& out, const TextTable& t);
void print_csv(std::ostream& out, const TextTable& t);

// A numeric cell in `digits` significant digits for a table people read; other text as is.
std::string short_number(const std::string& cell, int digits);
// Seconds as h:mm:ss ("-" when negative: none known).
std::string clock_text(double seconds);

}  // namespace lpa
