#include "lpa/io/utf8.h"

namespace lpa {
namespace {

const char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

bool continuation(unsigned char c, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
  return c >= lo && c <= hi;
}

// Length of the valid sequence at i (0 if invalid) and, when invalid, how many bytes form its
// maximal subpart (the prefix of a valid sequence that was cut short; at least 1).
size_t scan(const std::string& s, size_t i, size_t* invalid_span) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) need = 1;
  else if (c == 0xE0) need = 2, lo = 0xA0;
  else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) need = 2;
  else if (c == 0xED) need = 2, hi = 0x9F;  // no surrogates
  else if (c == 0xF0) need = 3, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) need = 3;
  else if (c == 0xF4) need = 3, hi = 0x8F;  // <= U+10FFFF
  size_t k = 1;
  for (; k <= need && i + k < s.size(); ++k) {
    const bool ok = k == 1 ? continuation(b(i + k), lo, hi) : continuation(b(i + k));
    if (!ok) break;
  }
  if (need > 0 && k == need + 1) return need + 1;
  if (invalid_span) *invalid_span = k;  // lead byte plus the continuation bytes that fit
  return 0;
}

}  // namespace

size_t utf8_valid_length(const std::string& s, size_t i) {
  if (i >= s.size()) return 0;
  return scan(s, i, nullptr);
}

size_t count_invalid_utf8(const std::string& s, bool cut_at_end) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    size_t span = 1, len = scan(s, i, &span);
    if (len) {
      i += len;
    } else {
      // A valid lead byte whose sequence runs into the end was cut, not corrupted.
      const auto lead = static_cast<unsigned char>(s[i]);
      const bool cut = i + span == s.size() && lead >= 0xC2 && lead <= 0xF4;
      if (!(cut_at_end && cut)) ++n;
      i += span;
    }
  }
  return n;
}

std::string sanitize_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t span = 1, len = scan(s, i, &span);
    if (len) {
      out.append(s, i, len);
      i += len;
    } else {
      out += kReplacement;
      i += span;
    }
  }
  return out;
}

std::string printable_utf8(const std::string& s) {
  const std::string clean = sanitize_utf8(s);
  std::string out;
  out.reserve(clean.size());
  for (size_t i = 0; i < clean.size(); ++i) {
    const auto c = static_cast<unsigned char>(clean[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      const unsigned cp = c == 0x7F ? 0x2421 : 0x2400 + c;  // Control Pictures block
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (c == 0xC2 && i + 1 < clean.size() && static_cast<unsigned char>(clean[i + 1]) <= 0x9F) {
      out += kReplacement;  // a C1 control (valid UTF-8 after sanitising, so clean[i+1] >= 0x80)
      ++i;
    } else {
      out += clean[i];
    }
  }
  return out;
}

}  // namespace lpa
