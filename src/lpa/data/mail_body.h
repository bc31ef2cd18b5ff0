// An e-mail's body: what follows the header block. RFC 5322 ends the headers at the first empty
// line; mail from Windows tools writes it as "\r\n\r\n", so a line holding only "\r" counts too.
#pragma once
#include <string>

namespace lpa {

// Everything after the first blank line. A text without a blank line is returned whole: it is
// not a mail with headers (a CSV cell, a plain note), and dropping it all would leave nothing.
std::string mail_body(const std::string& text);

}  // namespace lpa
