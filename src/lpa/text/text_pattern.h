// tokenizer.json's {"String": s} / {"Regex": r} patterns (Split, Replace), found in UTF-8 text.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "lpa/text/json_fields.h"
#include "lpa/text/pretokenize.h"

namespace lpa {

class TextPattern {
 public:
  static TextPattern literal(const std::string& text);
  static TextPattern from_json(const JsonPlace& place);  // {"String": ...} or {"Regex": ...}

  // Successive non-overlapping matches, left to right (a regex's empty matches included).
  std::vector<Span> find_all(const std::string& text) const;
  // Every match replaced by `content`.
  std::string replace_all(const std::string& text, const std::string& content) const;

 private:
  std::string literal_;
  std::shared_ptr<const Regex> regex_;  // set for a regex
};

// A piece of text and whether a pattern matched it: Hugging Face's find_matches(), which
// covers the whole text (an empty text is one empty non-match).
struct Match {
  Span span;
  bool is_match;
};
std::vector<Match> cover(const std::string& text, const std::vector<Span>& matches);

// How split() treats the matches (Hugging Face's SplitDelimiterBehavior).
enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };
SplitBehavior split_behavior(const JsonPlace& place);

// The pieces Hugging Face's NormalizedString::split keeps, empty ones dropped.
std::vector<Span> split_spans(const std::vector<Match>& matches, SplitBehavior behavior);

}  // namespace lpa
