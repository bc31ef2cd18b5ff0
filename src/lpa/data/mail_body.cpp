#include "lpa/data/mail_body.h"

namespace lpa {

std::string mail_body(const std::string& text) {
  size_t line = 0;
  while (line < text.size()) {
    const size_t end = text.find('\n', line);
    if (end == std::string::npos) break;  // the last line has no newline: no blank line ended
    const size_t length = end - line;
    if (length == 0 || (length == 1 && text[line] == '\r')) return text.substr(end + 1);
    line = end + 1;
  }
  return text;
}

}  // namespace lpa
