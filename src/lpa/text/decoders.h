// tokenizer.json's "decoder": token strings -> text (Hugging Face's decode_chain, then joined).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "lpa/text/json_fields.h"

namespace lpa {

class Decoder {
 public:
  virtual ~Decoder();
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

// null -> nullptr (the tokens are then joined with spaces, as Hugging Face does). Types:
// ByteLevel, ByteFallback, Metaspace, Fuse, Strip, Replace, BPEDecoder, Sequence; any other
// throws UserError naming the file and the type.
std::unique_ptr<Decoder> make_decoder(const JsonPlace& place);

// Tokens -> text through `decoder` (or joined with spaces when there is none).
std::string decode_tokens(const Decoder* decoder, std::vector<std::string> tokens);

}  // namespace lpa
