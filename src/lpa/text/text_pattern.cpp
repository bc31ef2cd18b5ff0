#include "lpa/text/text_pattern.h"

#include <algorithm>

namespace lpa {

TextPattern TextPattern::literal(const std::string& text) {
  TextPattern p;
  p.literal_ = text;
  return p;
}

TextPattern TextPattern::from_json(const JsonPlace& place) {
  const auto& object = place.object();
  if (object.size() == 1 && object.contains("String")) return literal(place["String"].string());
  if (object.size() == 1 && object.contains("Regex")) {
    TextPattern p;
    p.regex_ = std::make_shared<const Regex>(place["Regex"].string(), place.file() + ": " + place.path());
    return p;
  }
  place.fail("expected {\"String\": ...} or {\"Regex\": ...}, got " + place.value().dump());
}

std::vector<Span> TextPattern::find_all(const std::string& text) const {
  if (regex_) return regex_->find_all(text);
  std::vector<Span> spans;
  // An empty literal matches nothing (as in Hugging Face). UTF-8 is self-synchronising, so a
  // byte search finds only whole characters.
  if (literal_.empty()) return spans;
  for (size_t at = text.find(literal_); at != std::string::npos; at = text.find(literal_, at + literal_.size()))
    spans.emplace_back(at, at + literal_.size());
  return spans;
}

std::string TextPattern::replace_all(const std::string& text, const std::string& content) const {
  std::string out;
  size_t done = 0;
  for (const auto& [begin, end] : find_all(text)) {
    out.append(text, done, begin - done);
    out += content;
    done = end;
  }
  out.append(text, done, std::string::npos);
  return out;
}

std::vector<Match> cover(const std::string& text, const std::vector<Span>& matches) {
  if (text.empty()) return {{{0, 0}, false}};
  std::vector<Match> out;
  size_t prev = 0;
  for (const auto& span : matches) {
    if (prev != span.first) out.push_back({{prev, span.first}, false});
    out.push_back({span, true});
    prev = span.second;
  }
  if (prev != text.size()) out.push_back({{prev, text.size()}, false});
  return out;
}

SplitBehavior split_behavior(const JsonPlace& place) {
  const std::string name = place.string();
  if (name == "Removed") return SplitBehavior::removed;
  if (name == "Isolated") return SplitBehavior::isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::merged_with_previous;
  if (name == "MergedWithNext") return SplitBehavior::merged_with_next;
  if (name == "Contiguous") return SplitBehavior::contiguous;
  place.fail("unsupported split behavior '" + name +
             "' (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
}

std::vector<Span> split_spans(const std::vector<Match>& matches, SplitBehavior behavior) {
  std::vector<Span> out;
  // Each case is Hugging Face's fold over the matches, written as a loop.
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::removed:
      for (const auto& m : matches)
        if (!m.is_match) out.push_back(m.span);
      break;
    case SplitBehavior::isolated:
      for (const auto& m : matches) out.push_back(m.span);
      break;
    case SplitBehavior::contiguous:
      for (const auto& m : matches) {
        if (m.is_match == previous_match && !out.empty())
          out.back().second = m.span.second;
        else
          out.push_back(m.span);
        previous_match = m.is_match;
      }
      break;
    case SplitBehavior::merged_with_previous:
      for (const auto& m : matches) {
        if (m.is_match && !previous_match && !out.empty())
          out.back().second = m.span.second;
        else
          out.push_back(m.span);
        previous_match = m.is_match;
      }
      break;
    case SplitBehavior::merged_with_next:
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        if (it->is_match && !previous_match && !out.empty())
          out.back().first = it->span.first;
        else
          out.push_back(it->span);
        previous_match = it->is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const Span& s) { return s.first == s.second; }), out.end());
  return out;
}

}  // namespace lpa
