#include "lpa/text/gpt2_tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string_view>

#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/text/pretokenize.h"

namespace lpa {
namespace {

// encoder.json as a flat {token: id} object, read with nlohmann's SAX interface: no document
// tree for 50,000 entries, so `lpa tokenize` starts in a few tens of milliseconds.
class VocabReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit VocabReader(std::unordered_map<std::string, int64_t>& vocab) : vocab_(vocab) {}
  std::string problem;  // set when the JSON is valid but not {token: id}

  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool number_unsigned(number_unsigned_t v) override { return id(static_cast<number_integer_t>(v)); }
  bool number_integer(number_integer_t v) override { return id(v); }
  bool start_object(std::size_t) override { return depth_++ == 0 || shape(); }
  bool end_object() override { return --depth_, true; }
  bool null() override { return shape(); }
  bool boolean(bool) override { return shape(); }
  bool number_float(number_float_t, const string_t&) override { return shape(); }
  bool string(string_t&) override { return shape(); }
  bool binary(binary_t&) override { return shape(); }
  bool start_array(std::size_t) override { return shape(); }
  bool end_array() override { return shape(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error_ = e.what();
    return false;
  }
  const std::string& error() const { return error_; }

 private:
  bool id(number_integer_t v) {
    if (depth_ != 1) return shape();
    if (v < 0 || v > kMaxTokenId) {
      problem = "token '" + key_ + "': id " + std::to_string(v) + " is not in " + token_id_range();
      return false;
    }
    vocab_[key_] = v;
    return true;
  }
  bool shape() {
    problem = depth_ == 0 ? "expected a JSON object of token: id"
                          : "token '" + key_ + "': expected an integer id";
    return false;
  }
  std::unordered_map<std::string, int64_t>& vocab_;
  std::string key_, error_;
  int depth_ = 0;
};

std::unordered_map<std::string, int64_t> read_vocab(const std::string& file) {
  std::unordered_map<std::string, int64_t> vocab;
  vocab.reserve(1 << 16);
  VocabReader reader(vocab);
  const std::string text = read_file(file);
  const bool ok = nlohmann::json::sax_parse(text, &reader);
  if (!reader.problem.empty()) throw UserError(file + ": " + reader.problem);
  if (!ok) throw UserError(file + ": not valid JSON: " + reader.error());
  if (vocab.empty()) throw UserError(file + ": the vocabulary is empty");
  return vocab;
}

}  // namespace

Gpt2Tokenizer::Gpt2Tokenizer(const std::string& vocab_file, const std::string& merges_file) {
  const auto vocab = read_vocab(vocab_file);
  int64_t size = 0;
  for (const auto& [token, id] : vocab) size = std::max(size, id + 1);
  token_bytes_.assign(static_cast<size_t>(size), "");
  has_token_.assign(static_cast<size_t>(size), false);
  for (const auto& [token, id] : vocab) {
    if (has_token_[id])
      throw UserError(vocab_file + ": id " + std::to_string(id) + " is given to two tokens");
    has_token_[id] = true;
    // Every token of a byte-level vocabulary is written in the table's characters; one that is
    // not (none in GPT-2) decodes as its own UTF-8.
    if (!byte_level_to_bytes(token, token_bytes_[id])) token_bytes_[id] = token;
  }
  const auto& table = byte_to_unicode();
  for (int b = 0; b < 256; ++b) {
    const auto it = vocab.find(table[b]);
    if (it == vocab.end()) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", b);
      throw UserError(vocab_file + ": no token for byte " + hex + " ('" + table[b] +
                      "'): not a byte-level BPE vocabulary");
    }
    byte_ids_[b] = it->second;
  }
  if (const auto it = vocab.find("<|endoftext|>"); it != vocab.end()) end_of_text_ = it->second;

  const std::string merges = read_file(merges_file);
  merges_.reserve(static_cast<size_t>(std::count(merges.begin(), merges.end(), '\n')) + 1);
  std::string left, right, joined;
  size_t number = 0;
  for (size_t at = 0; at < merges.size();) {
    size_t stop = merges.find('\n', at);
    if (stop == std::string::npos) stop = merges.size();
    std::string_view line(merges.data() + at, stop - at);
    at = stop + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if ((number == 1 && line.rfind("#version", 0) == 0) || line.empty()) continue;
    // encoder.py splits a merge on whitespace.
    std::vector<std::string_view> words;
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      if (j > i) words.push_back(line.substr(i, j - i));
      i = j;
    }
    const auto where = [&] { return merges_file + ":" + std::to_string(number) + ": "; };
    if (words.size() != 2)
      throw UserError(where() + "expected two tokens separated by a space, got '" + std::string(line) + "'");
    left.assign(words[0]);
    right.assign(words[1]);
    joined = left + right;
    const auto l = vocab.find(left), r = vocab.find(right), m = vocab.find(joined);
    if (l == vocab.end()) throw UserError(where() + "'" + left + "' is not in " + vocab_file);
    if (r == vocab.end()) throw UserError(where() + "'" + right + "' is not in " + vocab_file);
    if (m == vocab.end())
      throw UserError(where() + "merging '" + left + " " + right + "' makes '" + joined + "', which is not in " + vocab_file);
    merges_.add(l->second, r->second, m->second);
  }
}

std::vector<int64_t> Gpt2Tokenizer::encode(const std::string& utf8) const {
  std::vector<int64_t> ids;
  ids.reserve(utf8.size() / 3);
  std::vector<int64_t> word_ids;
  for (const auto& [begin, end] : gpt2_regex().find_all(utf8)) {
    if (begin == end) continue;
    const std::string word = utf8.substr(begin, end - begin);
    if (!cache_.find(word, word_ids)) {
      word_ids.clear();
      for (unsigned char b : word) word_ids.push_back(byte_ids_[b]);
      merges_.apply(word_ids);
      cache_.store(word, word_ids);
    }
    ids.insert(ids.end(), word_ids.begin(), word_ids.end());
  }
  return ids;
}

std::string Gpt2Tokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab_size() || !has_token_[static_cast<size_t>(id)]) throw_bad_token_id(id, vocab_size());
    out += token_bytes_[static_cast<size_t>(id)];
  }
  return out;
}

}  // namespace lpa
