#include "lpa/text/byte_tokenizer.h"

namespace lpa {

std::vector<int64_t> ByteTokenizer::encode(const std::string& utf8) const {
  std::vector<int64_t> ids;
  ids.reserve(utf8.size());
  for (unsigned char b : utf8) ids.push_back(b);
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  out.reserve(ids.size());
  for (int64_t id : ids) {
    if (id < 0 || id >= 256) throw_bad_token_id(id, 256);
    out += static_cast<char>(id);
  }
  return out;
}

}  // namespace lpa
