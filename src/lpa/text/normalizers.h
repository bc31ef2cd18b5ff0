// tokenizer.json's "normalizer": text rewritten before it is split (Unicode normalisation,
// Llama-2's "prepend ▁, spaces to ▁").
#pragma once
#include <memory>
#include <string>

#include "lpa/text/json_fields.h"

namespace lpa {

class Normalizer {
 public:
  virtual ~Normalizer();
  virtual std::string normalize(const std::string& text) const = 0;
};

// null -> nullptr. Types: NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace, Sequence;
// any other throws UserError naming the file and the type.
std::unique_ptr<Normalizer> make_normalizer(const JsonPlace& place);

}  // namespace lpa
