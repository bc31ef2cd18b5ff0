// The identity tokenizer: each byte is its own token (what the byte-level language models use).
#pragma once
#include "lpa/text/tokenizer.h"

namespace lpa {

class ByteTokenizer : public Tokenizer {
 public:
  std::vector<int64_t> encode(const std::string& utf8) const override;
  // The bytes themselves: decode(encode(x)) == x for any byte string.
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t vocab_size() const override { return 256; }
  std::string kind() const override { return "bytes"; }
};

}  // namespace lpa
