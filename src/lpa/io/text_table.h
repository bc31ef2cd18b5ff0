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

}  // namespace lpa
