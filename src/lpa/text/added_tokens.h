// tokenizer.json's "added_tokens": strings (special ones like <|begin_of_text|>, </s>) that are
// cut out of the text before anything else sees it and always become their own id.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lpa/text/json_fields.h"
#include "lpa/text/normalizers.h"

namespace lpa {

struct AddedToken {
  int64_t id = 0;
  std::string content;
  bool single_word = false;  // only where no word character touches it
  bool lstrip = false;       // takes the white space on its left
  bool rstrip = false;       // ... and on its right
  bool normalized = false;   // matched in the normalised text instead of the raw text
  bool special = false;
};

// A stretch of text: plain (id < 0), or one added token.
struct Segment {
  std::string text;
  int64_t id = -1;
  size_t begin = 0;  // byte offset in the text that was split
};

class AddedTokens {
 public:
  AddedTokens() = default;
  // `normalizer` (may be null) rewrites the contents of normalized tokens, as Hugging Face does.
  AddedTokens(const JsonPlace& list, const Normalizer* normalizer);

  // Cuts `text` at the tokens whose `normalized` flag equals `normalized`: leftmost match
  // first, longest at that place (Hugging Face's Aho-Corasick, LeftmostLongest).
  std::vector<Segment> split(const std::string& text, bool normalized) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  std::vector<AddedToken> tokens_;
  std::vector<std::string> patterns_;           // what each token matches (normalised content)
  std::vector<std::vector<size_t>> by_byte_;    // token indices by their pattern's first byte
};

}  // namespace lpa
