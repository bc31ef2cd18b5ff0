// A Hugging Face tokenizer.json with a BPE model (GPT-2, Llama-2, Llama-3, Mistral, Qwen, ...):
// added tokens cut out, then normalizer -> pre_tokenizer -> model -> post_processor, as the
// tokenizers library does; decoder for the way back. Offsets, truncation and padding are not
// kept: lpa cuts the ids into its own windows.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "lpa/text/added_tokens.h"
#include "lpa/text/bpe_model.h"
#include "lpa/text/decoders.h"
#include "lpa/text/normalizers.h"
#include "lpa/text/post_processors.h"
#include "lpa/text/pre_tokenizers.h"
#include "lpa/text/tokenizer.h"

namespace lpa {

class TokenizerJson : public Tokenizer {
 public:
  // Reads `file`. Malformed JSON, a component type we do not implement, or a merge naming a
  // token not in the vocabulary throws UserError naming the file (and the field).
  explicit TokenizerJson(const std::string& file);
  // From JSON text; `source` names it in errors.
  TokenizerJson(const std::string& json_text, const std::string& source);
  ~TokenizerJson() override;

  // With the post-processor's special tokens, as tokenizer.encode(text) in Hugging Face.
  std::vector<int64_t> encode(const std::string& utf8) const override { return encode(utf8, true); }
  std::vector<int64_t> encode(const std::string& utf8, bool add_special_tokens) const;
  // Special tokens are kept (transformers' default); skip_special_tokens drops them.
  std::string decode(const std::vector<int64_t>& ids) const override { return decode(ids, false); }
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const;

  int64_t vocab_size() const override { return static_cast<int64_t>(id_to_token_.size()); }
  std::string kind() const override { return "tokenizer.json"; }
  std::optional<int64_t> eos_id() const override { return eos_; }
  std::optional<int64_t> bos_id() const override { return bos_; }

  // The id of a token (added tokens first, then the model's vocabulary).
  std::optional<int64_t> token_id(const std::string& token) const;

 private:
  void load(const std::string& json_text, const std::string& source);

  std::unique_ptr<Normalizer> normalizer_;
  AddedTokens added_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  std::vector<std::string> id_to_token_;
  std::vector<char> has_token_, special_;  // per id
  std::optional<int64_t> eos_, bos_;
};

}  // namespace lpa
