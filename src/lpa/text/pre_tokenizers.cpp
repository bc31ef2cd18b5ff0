#include "lpa/text/pre_tokenizers.h"

#include <unicode/uchar.h>

#include <functional>

#include "lpa/text/byte_level_bpe.h"
#include "lpa/text/pretokenize.h"
#include "lpa/text/text_pattern.h"
#include "lpa/text/utf8.h"

namespace lpa {

PreTokenizer::~PreTokenizer() = default;

namespace {

// Every piece through `pieces_of`, which returns the spans of its text to keep.
void split_each(std::vector<Piece>& pieces, const std::function<std::vector<Span>(const std::string&)>& pieces_of) {
  std::vector<Piece> out;
  out.reserve(pieces.size());
  for (auto& piece : pieces) {
    bool first = true;
    for (const auto& [begin, end] : pieces_of(piece.text)) {
      if (begin == end) continue;
      out.push_back({piece.text.substr(begin, end - begin), piece.at_start && first && begin == 0});
      first = false;
    }
  }
  pieces = std::move(out);
}

// The matches of a per-character test, each character its own match (Hugging Face's
// Pattern for Fn(char) -> bool).
std::vector<Span> char_matches(const std::string& text, bool (*test)(char32_t)) {
  std::vector<Span> spans;
  for (size_t pos = 0, length; pos < text.size(); pos += length)
    if (test(next_code_point(text, pos, length))) spans.emplace_back(pos, pos + length);
  return spans;
}

bool is_white_space(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE); }
// Rust's char::is_numeric: general categories Nd, Nl, No.
bool is_numeric(char32_t c) { return (U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_N_MASK) != 0; }

class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}
  void split(std::vector<Piece>& pieces) const override {
    for (auto& piece : pieces)
      if (add_prefix_space_ && !piece.text.empty() && piece.text[0] != ' ') piece.text.insert(0, " ");
    if (use_regex_)
      split_each(pieces, [](const std::string& text) {
        return split_spans(cover(text, gpt2_regex().find_all(text)), SplitBehavior::isolated);
      });
    for (auto& piece : pieces) piece.text = bytes_to_byte_level(piece.text);
  }

 private:
  bool add_prefix_space_, use_regex_;
};

class Split : public PreTokenizer {
 public:
  Split(TextPattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void split(std::vector<Piece>& pieces) const override {
    split_each(pieces, [this](const std::string& text) {
      auto matches = cover(text, pattern_.find_all(text));
      if (invert_)
        for (auto& m : matches) m.is_match = !m.is_match;
      return split_spans(matches, behavior_);
    });
  }

 private:
  TextPattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

class Metaspace : public PreTokenizer {
 public:
  enum class Prepend { always, first, never };
  Metaspace(std::string replacement, Prepend prepend, bool split)
      : replacement_(std::move(replacement)), prepend_(prepend), split_(split) {}
  void split(std::vector<Piece>& pieces) const override {
    for (auto& piece : pieces) {
      piece.text = TextPattern::literal(" ").replace_all(piece.text, replacement_);
      const bool starts = piece.text.rfind(replacement_, 0) == 0;
      if (!piece.text.empty() && !starts &&
          (prepend_ == Prepend::always || (prepend_ == Prepend::first && piece.at_start)))
        piece.text.insert(0, replacement_);
    }
    if (split_) {
      const TextPattern on = TextPattern::literal(replacement_);
      split_each(pieces, [&on](const std::string& text) {
        return split_spans(cover(text, on.find_all(text)), SplitBehavior::merged_with_next);
      });
    }
  }

 private:
  std::string replacement_;
  Prepend prepend_;
  bool split_;
};

class Digits : public PreTokenizer {
 public:
  explicit Digits(bool individual) : individual_(individual) {}
  void split(std::vector<Piece>& pieces) const override {
    const SplitBehavior behavior = individual_ ? SplitBehavior::isolated : SplitBehavior::contiguous;
    split_each(pieces, [behavior](const std::string& text) {
      return split_spans(cover(text, char_matches(text, is_numeric)), behavior);
    });
  }

 private:
  bool individual_;
};

// Whitespace: the runs of \w+ and of [^\w\s]+, the rest dropped.
class Whitespace : public PreTokenizer {
 public:
  void split(std::vector<Piece>& pieces) const override {
    static const Regex words(R"(\w+|[^\w\s]+)", "the Whitespace pre-tokenizer");
    split_each(pieces, [](const std::string& text) {
      auto matches = cover(text, words.find_all(text));
      for (auto& m : matches) m.is_match = !m.is_match;
      return split_spans(matches, SplitBehavior::removed);
    });
  }
};

class WhitespaceSplit : public PreTokenizer {
 public:
  void split(std::vector<Piece>& pieces) const override {
    split_each(pieces, [](const std::string& text) {
      return split_spans(cover(text, char_matches(text, is_white_space)), SplitBehavior::removed);
    });
  }
};

class Sequence : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void split(std::vector<Piece>& pieces) const override {
    for (const auto& step : steps_) step->split(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

Metaspace::Prepend prepend_scheme(const JsonPlace& place) {
  // Files from before prepend_scheme say add_prefix_space instead.
  const JsonPlace scheme = place["prepend_scheme"];
  if (scheme.is_null()) return place["add_prefix_space"].boolean_or(true) ? Metaspace::Prepend::always : Metaspace::Prepend::never;
  const std::string name = scheme.string();
  if (name == "always") return Metaspace::Prepend::always;
  if (name == "first") return Metaspace::Prepend::first;
  if (name == "never") return Metaspace::Prepend::never;
  scheme.fail("unsupported prepend_scheme '" + name + "' (always, first, never)");
}

}  // namespace

std::string metaspace_replacement(const JsonPlace& place) {
  // Old files name it str_rep too; the replacement is one character.
  const std::string replacement = place["replacement"].string_or("\xE2\x96\x81");
  size_t length = 0;
  if (replacement.empty() || (next_code_point(replacement, 0, length), length != replacement.size()))
    place["replacement"].fail("expected one character, got '" + replacement + "'");
  return replacement;
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonPlace& place) {
  if (place.is_null()) return nullptr;
  const std::string type = place.type();
  if (type == "ByteLevel")
    return std::make_unique<ByteLevel>(place["add_prefix_space"].boolean_or(true), place["use_regex"].boolean_or(true));
  if (type == "Split")
    return std::make_unique<Split>(TextPattern::from_json(place.need("pattern")), split_behavior(place.need("behavior")),
                                   place["invert"].boolean_or(false));
  if (type == "Metaspace")
    return std::make_unique<Metaspace>(metaspace_replacement(place), prepend_scheme(place), place["split"].boolean_or(true));
  if (type == "Digits") return std::make_unique<Digits>(place["individual_digits"].boolean_or(false));
  if (type == "Whitespace") return std::make_unique<Whitespace>();
  if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplit>();
  if (type == "Sequence") {
    const JsonPlace list = place.need("pretokenizers");
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (size_t i = 0; i < list.array().size(); ++i)
      if (auto step = make_pre_tokenizer(list[i])) steps.push_back(std::move(step));
    return std::make_unique<Sequence>(std::move(steps));
  }
  place.unsupported("pre_tokenizer");
}

}  // namespace lpa
