// tokenizer.json's "pre_tokenizer": normalised text cut into the words the model encodes one by
// one (and, for ByteLevel, rewritten into byte-level characters).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "lpa/text/json_fields.h"

namespace lpa {

struct Piece {
  std::string text;
  // Begins where the input text begins (Metaspace's prepend_scheme "first" asks this of the
  // original offset; a piece after an added token does not).
  bool at_start = false;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer();
  // Replaces every piece by the pieces it splits into (empty ones dropped).
  virtual void split(std::vector<Piece>& pieces) const = 0;
};

// null -> nullptr. Types: ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit,
// Sequence; any other throws UserError naming the file and the type.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonPlace& place);

// Metaspace's "replacement" (default "▁"), checked to be one character; its decoder reads it too.
std::string metaspace_replacement(const JsonPlace& place);

}  // namespace lpa
