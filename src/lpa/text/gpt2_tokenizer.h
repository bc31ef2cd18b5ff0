// GPT-2's own files: encoder.json (or vocab.json) maps tokens to ids, vocab.bpe (or merges.txt)
// lists the merges by rank. Encodes like OpenAI's encoder.py: GPT-2's pre-tokenizer pattern,
// bytes -> characters, the merge loop per word. "<|endoftext|>" in the text is plain text here,
// as in encoder.py; only tokenizer.json splits out special tokens.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "lpa/text/byte_level_bpe.h"
#include "lpa/text/tokenizer.h"

namespace lpa {

class Gpt2Tokenizer : public Tokenizer {
 public:
  // Throws UserError naming the file (and the line of a bad merge).
  Gpt2Tokenizer(const std::string& vocab_file, const std::string& merges_file);

  std::vector<int64_t> encode(const std::string& utf8) const override;
  // The bytes the tokens stand for, exactly: decode(encode(x)) == x for any byte string.
  // (encoder.py and the JavaScript port decode them as UTF-8 with replacement; the same text
  // whenever the ids end on a character boundary.)
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(token_bytes_.size()); }
  std::string kind() const override { return "gpt2-bpe"; }
  // "<|endoftext|>" (50256 in GPT-2), GPT-2's document separator. No BOS: GPT-2 has none of
  // its own (Hugging Face's GPT2Tokenizer reuses this token).
  std::optional<int64_t> eos_id() const override { return end_of_text_; }

 private:
  std::array<int64_t, 256> byte_ids_{};       // the token of each byte's character
  std::vector<std::string> token_bytes_;      // id -> the bytes it stands for
  std::vector<bool> has_token_;               // false for an id no token has
  BpeMerges merges_;
  WordCache cache_;
  std::optional<int64_t> end_of_text_;
};

}  // namespace lpa
