// Splitting text into the pieces ("words") that BPE then encodes one at a time, with ICU's
// regular expressions: the only engine at hand that has \p{L}, \p{N}, lookahead and (?i:...),
// the syntax GPT-2's and Llama-3's patterns are written in.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <unicode/uversion.h>  // ICU's versioned namespace, for the declaration below

U_NAMESPACE_BEGIN
class RegexPattern;
U_NAMESPACE_END

namespace lpa {

// [begin, end) byte offsets into a UTF-8 string.
using Span = std::pair<size_t, size_t>;

// A compiled pattern. Immutable after construction, so one object may serve many threads.
class Regex {
 public:
  // `pattern` as tokenizer files write it (Oniguruma / Python `regex` syntax). \s and \S are
  // rewritten to the White_Space property, which is what Oniguruma (Hugging Face) and Python's
  // `regex` (OpenAI's encoder.py) mean by them. ICU 72 happens to match the same set, but its
  // documentation promises [\t\n\f\r\p{Z}] (no U+000B, U+0085): naming the property keeps the
  // meaning whatever ICU does. A pattern ICU rejects throws UserError naming `source` and why.
  Regex(const std::string& pattern, const std::string& source);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Successive non-overlapping matches, left to right, empty ones included (callers that split
  // need them to reproduce Hugging Face's bookkeeping). Offsets are bytes of `utf8`; an invalid
  // byte is matched as U+FFFD but keeps its own offset.
  std::vector<Span> find_all(const std::string& utf8) const;

 private:
  std::unique_ptr<icu::RegexPattern> pattern_;
};

// GPT-2's pre-tokenizer pattern (OpenAI's encoder.py; Hugging Face's ByteLevel use_regex).
const std::string& gpt2_pattern();
const Regex& gpt2_regex();  // compiled once

// `pattern` with \s / \S replaced by \p{White_Space} / \P{White_Space} (valid inside and outside
// a character class); an escaped backslash is left alone.
std::string with_unicode_white_space(const std::string& pattern);

}  // namespace lpa
