#include "lpa/text/bpe_model.h"

#include <cstdio>

#include "lpa/text/utf8.h"

namespace lpa {
namespace {

// A merge as written: "a b" (split at the first space) or, in newer files, ["a", "b"], the form
// that allows tokens with spaces.
std::pair<std::string, std::string> merge_pair(const JsonPlace& merge) {
  if (merge.value().is_array()) {
    if (merge.value().size() != 2) merge.fail("expected a pair of tokens, got " + merge.value().dump());
    return {merge[0].string(), merge[1].string()};
  }
  const std::string text = merge.string();
  const size_t space = text.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 == text.size())
    merge.fail("expected two tokens separated by a space, got '" + text + "'");
  return {text.substr(0, space), text.substr(space + 1)};
}

}  // namespace

BpeModel::BpeModel(const JsonPlace& place) {
  const std::string type = place["type"].string_or("BPE");
  if (type != "BPE") place["type"].fail("unsupported model type '" + type + "' (only BPE is supported)");
  if (!place["dropout"].is_null() && place["dropout"].value() != 0)
    place["dropout"].fail("BPE dropout is not supported (it makes encoding random); set it to null");

  const JsonPlace vocab = place.need("vocab");
  for (const auto& [token, id] : vocab.object().items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > kMaxTokenId)
      vocab.fail("token '" + token + "': id " + id.dump() + " is not an integer in " + token_id_range());
    vocab_.emplace(token, id.get<int64_t>());
  }
  unk_token_ = place["unk_token"].optional_string();
  if (unk_token_ && !vocab_.count(*unk_token_))
    place["unk_token"].fail("'" + *unk_token_ + "' is not in the vocabulary");
  prefix_ = place["continuing_subword_prefix"].string_or("");
  suffix_ = place["end_of_word_suffix"].string_or("");
  fuse_unk_ = place["fuse_unk"].boolean_or(false);
  byte_fallback_ = place["byte_fallback"].boolean_or(false);
  ignore_merges_ = place["ignore_merges"].boolean_or(false);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    const auto it = vocab_.find(name);
    byte_tokens_[b] = it == vocab_.end() ? -1 : it->second;
  }

  const JsonPlace merges = place["merges"];
  const size_t count = merges.is_null() ? 0 : merges.array().size();
  for (size_t i = 0; i < count; ++i) {
    const JsonPlace merge = merges[i];
    const auto [left, right] = merge_pair(merge);
    // The merged token drops the right side's continuing_subword_prefix ("##").
    const bool prefixed = !prefix_.empty() && right.rfind(prefix_, 0) == 0;
    const std::string joined = left + (prefixed ? right.substr(prefix_.size()) : right);
    const auto l = vocab_.find(left), r = vocab_.find(right), m = vocab_.find(joined);
    if (l == vocab_.end()) merge.fail("'" + left + "' is not in the vocabulary");
    if (r == vocab_.end()) merge.fail("'" + right + "' is not in the vocabulary");
    if (m == vocab_.end()) merge.fail("merging makes '" + joined + "', which is not in the vocabulary");
    merges_.add(l->second, r->second, m->second);
  }
}

std::optional<int64_t> BpeModel::token_id(const std::string& token) const {
  const auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

std::vector<int64_t> BpeModel::tokenize(const std::string& word) const {
  if (ignore_merges_)
    if (const auto it = vocab_.find(word); it != vocab_.end()) return {it->second};
  std::vector<int64_t> ids;
  if (cache_.find(word, ids)) return ids;
  ids = merge_word(word);
  cache_.store(word, ids);
  return ids;
}

// Hugging Face's BPE::merge_word, quirks included: a byte fallback does not flush a pending
// unknown (it follows the bytes), and a character with neither fallback nor unk_token is dropped.
std::vector<int64_t> BpeModel::merge_word(const std::string& word) const {
  std::vector<int64_t> ids;
  int64_t unk = -1;  // a pending unknown token (fused with the unknowns after it), or -1
  for (size_t pos = 0, length; pos < word.size(); pos += length) {
    next_code_point(word, pos, length);
    std::string s = word.substr(pos, length);
    if (pos > 0) s = prefix_ + s;
    if (pos + length == word.size()) s += suffix_;
    if (const auto it = vocab_.find(s); it != vocab_.end()) {
      if (unk >= 0) ids.push_back(unk), unk = -1;
      ids.push_back(it->second);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (unsigned char b : s) all = all && byte_tokens_[b] >= 0;
      if (all) {
        for (unsigned char b : s) ids.push_back(byte_tokens_[b]);
        continue;
      }
    }
    if (unk_token_) {
      const int64_t unk_id = vocab_.at(*unk_token_);
      if (unk >= 0 && !fuse_unk_) ids.push_back(unk);
      unk = unk_id;
    }
  }
  if (unk >= 0) ids.push_back(unk);
  merges_.apply(ids);
  return ids;
}

}  // namespace lpa
