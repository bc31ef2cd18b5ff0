#include "lpa/text/tokenizer.h"

#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/text/byte_tokenizer.h"
#include "lpa/text/gpt2_tokenizer.h"
#include "lpa/text/tokenizer_json.h"

namespace lpa {

Tokenizer::~Tokenizer() = default;
std::optional<int64_t> Tokenizer::eos_id() const { return std::nullopt; }
std::optional<int64_t> Tokenizer::bos_id() const { return std::nullopt; }

void throw_bad_token_id(int64_t id, int64_t vocab_size) {
  if (id < 0 || id >= vocab_size)
    throw UserError("token id " + std::to_string(id) + " is out of range (the vocabulary has ids 0.." +
                    std::to_string(vocab_size - 1) + ")");
  throw UserError("token id " + std::to_string(id) + " is not in the vocabulary (no token has it)");
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& spec) {
  if (spec == "bytes") return std::make_unique<ByteTokenizer>();
  if (!dir_exists(spec)) {
    if (file_exists(spec))
      throw UserError("tokenizer " + spec + ": is a file; give the folder that holds it (or 'bytes')");
    throw UserError("tokenizer " + spec + ": no such folder (expected 'bytes' or a folder with tokenizer.json, "
                    "or vocab.json/encoder.json + merges.txt/vocab.bpe)");
  }
  const std::string dir = spec.size() > 1 && spec.back() == '/' ? spec.substr(0, spec.size() - 1) : spec;
  auto first_of = [&](std::initializer_list<const char*> names) -> std::string {
    for (const char* name : names)
      if (file_exists(dir + "/" + name)) return dir + "/" + name;
    return "";
  };
  if (const std::string json = first_of({"tokenizer.json"}); !json.empty()) return std::make_unique<TokenizerJson>(json);
  const std::string vocab = first_of({"vocab.json", "encoder.json"});
  const std::string merges = first_of({"merges.txt", "vocab.bpe"});
  if (!vocab.empty() && !merges.empty()) return std::make_unique<Gpt2Tokenizer>(vocab, merges);
  if (!vocab.empty()) throw UserError("tokenizer " + dir + ": " + vocab + " but no merges.txt/vocab.bpe beside it");
  if (!merges.empty()) throw UserError("tokenizer " + dir + ": " + merges + " but no vocab.json/encoder.json beside it");
  throw UserError("tokenizer " + dir + ": no tokenizer.json, and no vocab.json/encoder.json + merges.txt/vocab.bpe");
}

}  // namespace lpa
