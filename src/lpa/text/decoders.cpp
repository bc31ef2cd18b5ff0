#include "lpa/text/decoders.h"

#include <cctype>

#include "lpa/text/byte_level_bpe.h"
#include "lpa/text/pre_tokenizers.h"
#include "lpa/text/text_pattern.h"
#include "lpa/text/utf8.h"

namespace lpa {

Decoder::~Decoder() = default;

namespace {

// The characters of `token`, as strings (Strip and Metaspace count characters, not bytes).
std::vector<std::string> characters(const std::string& token) {
  std::vector<std::string> chars;
  for (size_t pos = 0, length; pos < token.size(); pos += length) {
    next_code_point(token, pos, length);
    chars.push_back(token.substr(pos, length));
  }
  return chars;
}

bool valid(const std::string& bytes) { return valid_utf8(bytes) == bytes; }

// Byte-level characters -> bytes, one output for all tokens. Hugging Face then applies
// from_utf8_lossy; we keep the bytes, so ids that end mid-character decode to that character's
// first bytes, which a caller decoding a prefix (generation) can complete. Same text otherwise.
class ByteLevel : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string out, bytes;
    for (const auto& token : tokens) out += byte_level_to_bytes(token, bytes) ? bytes : token;
    return {out};
  }
};

// <0xNN> tokens -> their bytes: a run that is valid UTF-8 becomes its text, else one U+FFFD
// per byte (Hugging Face's ByteFallback).
class ByteFallback : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    std::string run;
    size_t run_tokens = 0;
    auto flush = [&] {
      if (run_tokens == 0) return;
      if (valid(run))
        out.push_back(run);
      else
        for (size_t i = 0; i < run_tokens; ++i) out.push_back("\xEF\xBF\xBD");
      run.clear();
      run_tokens = 0;
    };
    for (auto& token : tokens) {
      int byte = -1;
      if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>' &&
          std::isxdigit(static_cast<unsigned char>(token[3])) && std::isxdigit(static_cast<unsigned char>(token[4])))
        byte = std::stoi(token.substr(3, 2), nullptr, 16);
      if (byte >= 0) {
        run += static_cast<char>(byte);
        ++run_tokens;
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    return out;
  }
};

class Metaspace : public Decoder {
 public:
  Metaspace(std::string replacement, bool prepend) : replacement_(std::move(replacement)), prepend_(prepend) {}
  // Hugging Face drops every replacement character of the first token (not only a leading one)
  // unless prepend_scheme is "never"; elsewhere each becomes a space.
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string text;
      for (const auto& c : characters(tokens[i])) text += c == replacement_ ? (i == 0 && prepend_ ? "" : " ") : c;
      tokens[i] = std::move(text);
    }
    return tokens;
  }

 private:
  std::string replacement_;
  bool prepend_;
};

class Fuse : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    return {all};
  }
};

// Up to `start` leading and `stop` trailing `content` characters off each token.
class Strip : public Decoder {
 public:
  Strip(std::string content, size_t start, size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (auto& token : tokens) {
      const auto chars = characters(token);
      size_t begin = 0, end = chars.size();
      while (begin < start_ && begin < end && chars[begin] == content_) ++begin;
      for (size_t k = 0; k < stop_ && end > begin && chars[end - 1] == content_; ++k) --end;
      std::string text;
      for (size_t i = begin; i < end; ++i) text += chars[i];
      token = std::move(text);
    }
    return tokens;
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

class Replace : public Decoder {
 public:
  Replace(TextPattern pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (auto& token : tokens) token = pattern_.replace_all(token, content_);
    return tokens;
  }

 private:
  TextPattern pattern_;
  std::string content_;
};

// end_of_word_suffix ("</w>") -> a space between words, nothing after the last.
class BpeSuffix : public Decoder {
 public:
  explicit BpeSuffix(std::string suffix) : suffix_(std::move(suffix)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    const TextPattern pattern = TextPattern::literal(suffix_);
    for (size_t i = 0; i < tokens.size(); ++i)
      tokens[i] = pattern.replace_all(tokens[i], i + 1 == tokens.size() ? "" : " ");
    return tokens;
  }

 private:
  std::string suffix_;
};

class Sequence : public Decoder {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (const auto& step : steps_) tokens = step->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

size_t count(const JsonPlace& place) {
  const int64_t n = place.integer();
  if (n < 0) place.fail("expected a count >= 0, got " + std::to_string(n));
  return static_cast<size_t>(n);
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const JsonPlace& place) {
  if (place.is_null()) return nullptr;
  const std::string type = place.type();
  if (type == "ByteLevel") return std::make_unique<ByteLevel>();
  if (type == "ByteFallback") return std::make_unique<ByteFallback>();
  if (type == "Metaspace") {
    const JsonPlace scheme = place["prepend_scheme"];
    const bool prepend = scheme.is_null() ? place["add_prefix_space"].boolean_or(true) : scheme.string() != "never";
    return std::make_unique<Metaspace>(metaspace_replacement(place), prepend);
  }
  if (type == "Fuse") return std::make_unique<Fuse>();
  if (type == "Strip") {
    const std::string content = place.need("content").string();
    if (characters(content).size() != 1) place["content"].fail("expected one character, got '" + content + "'");
    return std::make_unique<Strip>(content, count(place.need("start")), count(place.need("stop")));
  }
  if (type == "Replace")
    return std::make_unique<Replace>(TextPattern::from_json(place.need("pattern")), place.need("content").string());
  if (type == "BPEDecoder") return std::make_unique<BpeSuffix>(place["suffix"].string_or("</w>"));
  if (type == "Sequence") {
    const JsonPlace list = place.need("decoders");
    std::vector<std::unique_ptr<Decoder>> steps;
    for (size_t i = 0; i < list.array().size(); ++i)
      if (auto step = make_decoder(list[i])) steps.push_back(std::move(step));
    return std::make_unique<Sequence>(std::move(steps));
  }
  place.unsupported("decoder");
}

std::string decode_tokens(const Decoder* decoder, std::vector<std::string> tokens) {
  std::string out;
  if (!decoder) {
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  for (const auto& piece : decoder->decode_chain(std::move(tokens))) out += piece;
  return out;
}

}  // namespace lpa
