// Text <-> token ids for language models: raw bytes, GPT-2's own BPE files, or a Hugging Face
// tokenizer.json. Nothing here needs LibTorch.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lpa {

class Tokenizer {
 public:
  virtual ~Tokenizer();
  // Text (UTF-8; invalid bytes are tolerated) -> ids. Special tokens are added only where the
  // format's post-processor says so (tokenizer.json's TemplateProcessing, e.g. Llama-3's BOS).
  virtual std::vector<int64_t> encode(const std::string& utf8) const = 0;
  // Ids -> text. An id outside 0..vocab_size()-1, or one no token has, throws UserError.
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  virtual int64_t vocab_size() const = 0;  // ids are 0..vocab_size-1
  virtual std::string kind() const = 0;    // "bytes", "gpt2-bpe", "tokenizer.json"
  virtual std::optional<int64_t> eos_id() const;
  virtual std::optional<int64_t> bos_id() const;
};

// `spec`: "bytes" (ids are the bytes, vocabulary 256), or a folder holding tokenizer.json
// (preferred when present), or GPT-2's vocab.json / encoder.json with merges.txt / vocab.bpe.
// Anything else throws UserError saying what is missing or wrong, naming the file.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& spec);

// The UserError for an id no token has, shared by the implementations.
[[noreturn]] void throw_bad_token_id(int64_t id, int64_t vocab_size);

}  // namespace lpa
