#include "lpa/text/tokenizer_json.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/text/utf8.h"

namespace lpa {

TokenizerJson::TokenizerJson(const std::string& file) { load(read_file(file), file); }

TokenizerJson::TokenizerJson(const std::string& json_text, const std::string& source) { load(json_text, source); }

TokenizerJson::~TokenizerJson() = default;

void TokenizerJson::load(const std::string& json_text, const std::string& source) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw UserError(source + ": not valid JSON: " + e.what());
  }
  const JsonPlace root(source, json);
  root.object();
  // Normalizer first: the contents of normalized added tokens are normalised with it.
  normalizer_ = make_normalizer(root["normalizer"]);
  added_ = AddedTokens(root["added_tokens"], normalizer_.get());
  pre_tokenizer_ = make_pre_tokenizer(root["pre_tokenizer"]);
  model_ = std::make_unique<BpeModel>(root.need("model"));
  post_processor_ = make_post_processor(root["post_processor"]);
  decoder_ = make_decoder(root["decoder"]);

  int64_t size = 0;
  for (const auto& [token, id] : model_->vocab()) size = std::max(size, id + 1);
  for (const auto& t : added_.tokens()) size = std::max(size, t.id + 1);
  id_to_token_.assign(static_cast<size_t>(size), "");
  has_token_.assign(static_cast<size_t>(size), 0);
  special_.assign(static_cast<size_t>(size), 0);
  for (const auto& [token, id] : model_->vocab()) {
    id_to_token_[id] = token;
    has_token_[id] = 1;
  }
  // An added token's content wins over the model's token of the same id, as in Hugging Face.
  for (const auto& t : added_.tokens()) {
    id_to_token_[t.id] = t.content;
    has_token_[t.id] = 1;
    special_[t.id] = t.special;
  }
  for (const char* name : {"<|endoftext|>", "</s>", "<|end_of_text|>"})
    if (!eos_) eos_ = token_id(name);
  for (const char* name : {"<s>", "<|begin_of_text|>"})
    if (!bos_) bos_ = token_id(name);
}

std::optional<int64_t> TokenizerJson::token_id(const std::string& token) const {
  for (const auto& t : added_.tokens())
    if (t.content == token) return t.id;
  return model_->token_id(token);
}

std::vector<int64_t> TokenizerJson::encode(const std::string& utf8, bool add_special_tokens) const {
  const std::string text = valid_utf8(utf8);
  std::vector<int64_t> ids;
  // Added tokens matched in the raw text, then (for normalized ones) in each normalised stretch.
  for (const auto& raw : added_.split(text, false)) {
    if (raw.id >= 0) {
      ids.push_back(raw.id);
      continue;
    }
    const std::string normal = normalizer_ ? normalizer_->normalize(raw.text) : raw.text;
    for (const auto& segment : added_.split(normal, true)) {
      if (segment.id >= 0) {
        ids.push_back(segment.id);
        continue;
      }
      std::vector<Piece> pieces{{segment.text, raw.begin == 0 && segment.begin == 0}};
      if (pre_tokenizer_) pre_tokenizer_->split(pieces);
      for (const auto& piece : pieces) {
        if (piece.text.empty()) continue;
        const auto word = model_->tokenize(piece.text);
        ids.insert(ids.end(), word.begin(), word.end());
      }
    }
  }
  if (add_special_tokens && post_processor_) post_processor_->process(ids);
  return ids;
}

std::string TokenizerJson::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab_size() || !has_token_[static_cast<size_t>(id)]) throw_bad_token_id(id, vocab_size());
    if (skip_special_tokens && special_[static_cast<size_t>(id)]) continue;
    tokens.push_back(id_to_token_[static_cast<size_t>(id)]);
  }
  return decode_tokens(decoder_.get(), std::move(tokens));
}

}  // namespace lpa
