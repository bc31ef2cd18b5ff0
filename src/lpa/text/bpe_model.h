// tokenizer.json's "model" of type BPE: a word -> ids, as Hugging Face's BPE::tokenize does
// (characters looked up, unknown ones through byte_fallback or unk_token, then the merges).
#pragma once
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "lpa/text/byte_level_bpe.h"
#include "lpa/text/json_fields.h"

namespace lpa {

class BpeModel {
 public:
  // Throws UserError naming the file and field: not BPE, dropout set, a merge naming a token
  // the vocabulary lacks, ...
  explicit BpeModel(const JsonPlace& place);

  std::vector<int64_t> tokenize(const std::string& word) const;

  std::optional<int64_t> token_id(const std::string& token) const;
  const std::unordered_map<std::string, int64_t>& vocab() const { return vocab_; }

 private:
  std::vector<int64_t> merge_word(const std::string& word) const;

  std::unordered_map<std::string, int64_t> vocab_;
  BpeMerges merges_;
  std::optional<std::string> unk_token_;
  std::string prefix_;  // continuing_subword_prefix
  std::string suffix_;  // end_of_word_suffix
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::array<int64_t, 256> byte_tokens_{};  // <0xNN> ids, -1 where absent
  WordCache cache_;
};

}  // namespace lpa
