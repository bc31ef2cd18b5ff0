#include "lpa/text/added_tokens.h"

#include <unicode/uchar.h>

#include "lpa/text/byte_level_bpe.h"
#include "lpa/text/utf8.h"

namespace lpa {
namespace {

bool white_space(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE); }

// Unicode \w, as regex_syntax::is_word_character (Hugging Face's single_word test).
bool word_character(char32_t c) {
  const auto u = static_cast<UChar32>(c);
  return u_hasBinaryProperty(u, UCHAR_ALPHABETIC) || u_hasBinaryProperty(u, UCHAR_JOIN_CONTROL) ||
         (U_GET_GC_MASK(u) & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) != 0;
}

// The code point that ends text[0, end) (U+FFFD for a broken one).
char32_t last_code_point(const std::string& text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && end - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  size_t length;
  const char32_t c = next_code_point(text, start, length);
  return start + length == end ? c : 0xFFFD;
}

}  // namespace

AddedTokens::AddedTokens(const JsonPlace& list, const Normalizer* normalizer) : by_byte_(256) {
  if (list.is_null()) return;
  for (size_t i = 0; i < list.array().size(); ++i) {
    const JsonPlace entry = list[i];
    AddedToken t;
    t.id = entry.need("id").integer();
    if (t.id < 0 || t.id > kMaxTokenId)
      entry["id"].fail("id " + std::to_string(t.id) + " is not in " + token_id_range());
    t.content = entry.need("content").string();
    t.single_word = entry["single_word"].boolean_or(false);
    t.lstrip = entry["lstrip"].boolean_or(false);
    t.rstrip = entry["rstrip"].boolean_or(false);
    t.special = entry["special"].boolean_or(false);
    t.normalized = entry["normalized"].boolean_or(!t.special);
    std::string pattern = t.normalized && normalizer ? normalizer->normalize(t.content) : t.content;
    if (!pattern.empty()) by_byte_[static_cast<unsigned char>(pattern[0])].push_back(tokens_.size());
    patterns_.push_back(std::move(pattern));
    tokens_.push_back(std::move(t));
  }
}

std::vector<Segment> AddedTokens::split(const std::string& text, bool normalized) const {
  std::vector<Segment> out;
  size_t done = 0;  // end of the last token taken
  auto plain = [&](size_t begin, size_t end) {
    if (begin < end) out.push_back({text.substr(begin, end - begin), -1, begin});
  };
  for (size_t pos = 0; !tokens_.empty() && pos < text.size();) {
    // The longest token at `pos`.
    const AddedToken* best = nullptr;
    size_t best_length = 0;
    for (size_t k : by_byte_[static_cast<unsigned char>(text[pos])]) {
      const std::string& p = patterns_[k];
      if (tokens_[k].normalized == normalized && p.size() > best_length && text.compare(pos, p.size(), p) == 0)
        best = &tokens_[k], best_length = p.size();
    }
    if (!best) {
      ++pos;
      continue;
    }
    size_t start = pos, stop = pos + best_length;
    pos = stop;  // matching resumes after this one, taken or not
    if (best->single_word) {
      size_t length;
      const bool word_before = start > 0 && word_character(last_code_point(text, start));
      const bool word_after = stop < text.size() && word_character(next_code_point(text, stop, length));
      if (word_before || word_after) continue;
    }
    if (best->lstrip)
      while (start > done && white_space(last_code_point(text, start))) {
        size_t s = start - 1;
        while (s > done && (static_cast<unsigned char>(text[s]) & 0xC0) == 0x80) --s;
        start = s;
      }
    if (best->rstrip)
      for (size_t length; stop < text.size() && white_space(next_code_point(text, stop, length));) stop += length;
    plain(done, start);
    out.push_back({text.substr(start, stop - start), best->id, start});
    done = pos = stop;
  }
  plain(done, text.size());
  return out;
}

}  // namespace lpa
