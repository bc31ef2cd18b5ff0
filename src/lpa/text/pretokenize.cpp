#include "lpa/text/pretokenize.h"

#include <unicode/regex.h>
#include <unicode/unistr.h>

#include "lpa/errors.h"
#include "lpa/text/utf8.h"

namespace lpa {

std::string with_unicode_white_space(const std::string& pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    const char next = pattern[++i];
    if (next == 's')
      out += "\\p{White_Space}";
    else if (next == 'S')
      out += "\\P{White_Space}";
    else
      out += {'\\', next};
  }
  return out;
}

Regex::Regex(const std::string& pattern, const std::string& source) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError where{};
  const icu::UnicodeString text = icu::UnicodeString::fromUTF8(with_unicode_white_space(pattern));
  pattern_.reset(icu::RegexPattern::compile(text, 0, where, status));
  if (U_FAILURE(status))
    throw UserError(source + ": regular expression '" + pattern + "' is not supported: " +
                    u_errorName(status) + " at offset " + std::to_string(where.offset));
}

Regex::~Regex() = default;

std::vector<Span> Regex::find_all(const std::string& utf8) const {
  // ICU matches UTF-16: convert by hand, keeping each unit's byte offset, so the spans index
  // the caller's bytes exactly, invalid ones included.
  std::vector<UChar> units;
  std::vector<size_t> offset;  // byte offset of each unit, and of the end
  units.reserve(utf8.size());
  offset.reserve(utf8.size() + 1);
  for (size_t pos = 0; pos < utf8.size();) {
    size_t length;
    const char32_t c = next_code_point(utf8, pos, length);
    if (c >= 0x10000) {
      units.push_back(static_cast<UChar>(0xD800 + ((c - 0x10000) >> 10)));
      units.push_back(static_cast<UChar>(0xDC00 + ((c - 0x10000) & 0x3FF)));
      offset.push_back(pos);
      offset.push_back(pos);
    } else {
      units.push_back(static_cast<UChar>(c));
      offset.push_back(pos);
    }
    pos += length;
  }
  offset.push_back(utf8.size());

  const icu::UnicodeString input(false, units.data(), static_cast<int32_t>(units.size()));
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> matcher(pattern_->matcher(input, status));
  // Long runs of one class (a megabyte of letters) would otherwise hit ICU's default 8 MB
  // backtracking limit and fail.
  if (U_SUCCESS(status)) matcher->setStackLimit(0, status);
  std::vector<Span> spans;
  while (U_SUCCESS(status) && matcher->find(status)) {
    const int32_t begin = matcher->start(status);
    const int32_t end = matcher->end(status);
    if (U_FAILURE(status)) break;
    spans.emplace_back(offset[static_cast<size_t>(begin)], offset[static_cast<size_t>(end)]);
  }
  if (U_FAILURE(status))
    throw UserError(std::string("regular expression failed on the text: ") + u_errorName(status));
  return spans;
}

const std::string& gpt2_pattern() {
  // The whitespace question: the reference JavaScript port (gpt-3-encoder) reads \s as
  // JavaScript does (adds U+FEFF, lacks U+0085); OpenAI's Python `regex` and Hugging Face's
  // Oniguruma read it as Unicode White_Space. We follow Python and Oniguruma, the two that
  // produced and serve the models (with_unicode_white_space). The SOTU corpus has no white space
  // but ' ' and '\n', where all of them agree; tests/text/test_pretokenize.cpp and
  // test_gpt2_tokenizer.cpp pin the characters that differ.
  static const std::string pattern =
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
  return pattern;
}

const Regex& gpt2_regex() {
  static const Regex regex(gpt2_pattern(), "GPT-2's pre-tokenizer");
  return regex;
}

}  // namespace lpa
