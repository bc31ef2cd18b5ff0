// UTF-8 checks for byte-level text: corpora may hold stray bytes (Latin-1 e-mails), and a byte
// language model can sample any byte, so invalid sequences are counted or replaced, never trusted.
#pragma once
#include <cstddef>
#include <string>

namespace lpa {

// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 when it is invalid or cut
// off by the end of the string.
size_t utf8_valid_length(const std::string& s, size_t i);

// Number of invalid sequences (each counts once per U+FFFD it would become). With
// `cut_at_end`, a sequence that is merely incomplete at the end (text truncated to N bytes)
// does not count.
size_t count_invalid_utf8(const std::string& s, bool cut_at_end = false);

// `s` with each invalid sequence replaced by U+FFFD (the WHATWG "maximal subpart" rule), so
// the result is always valid UTF-8 and safe to print.
std::string sanitize_utf8(const std::string& s);

// sanitize_utf8, then also defuse what a terminal would obey: C0 control bytes other than
// newline and tab become their visible pictures (ESC -> U+241B), DEL becomes U+2421, and C1
// controls (U+0080..U+009F, e.g. CSI) become U+FFFD. For printing sampled bytes.
std::string printable_utf8(const std::string& s);

}  // namespace lpa
