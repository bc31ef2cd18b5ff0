#include "lpa/text/normalizers.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <vector>

#include "lpa/text/text_pattern.h"
#include "lpa/text/utf8.h"

namespace lpa {

Normalizer::~Normalizer() = default;

namespace {

class UnicodeForm : public Normalizer {
 public:
  UnicodeForm(const icu::Normalizer2* form) : form_(form) {}
  std::string normalize(const std::string& text) const override {
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString normal = form_->normalize(icu::UnicodeString::fromUTF8(text), status);
    if (U_FAILURE(status)) return text;  // only on memory failure; the text stays as it was
    std::string out;
    return normal.toUTF8String(out);
  }

 private:
  const icu::Normalizer2* form_;
};

// Rust's str::to_lowercase: full Unicode mappings, no locale (the root locale).
class Lowercase : public Normalizer {
 public:
  std::string normalize(const std::string& text) const override {
    icu::UnicodeString s = icu::UnicodeString::fromUTF8(text);
    s.toLower(icu::Locale::getRoot());
    std::string out;
    return s.toUTF8String(out);
  }
};

bool white_space(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE); }

class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(const std::string& text) const override {
    // Character spans, so white space is tested per code point (Rust's char::is_whitespace).
    std::vector<Span> chars;
    std::vector<bool> space;
    for (size_t pos = 0, length; pos < text.size(); pos += length) {
      space.push_back(white_space(next_code_point(text, pos, length)));
      chars.emplace_back(pos, pos + length);
    }
    size_t first = 0, last = chars.size();
    if (left_)
      while (first < last && space[first]) ++first;
    if (right_)
      while (last > first && space[last - 1]) --last;
    if (first == last) return "";
    return text.substr(chars[first].first, chars[last - 1].second - chars[first].first);
  }

 private:
  bool left_, right_;
};

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  // Hugging Face prepends to non-empty text only.
  std::string normalize(const std::string& text) const override { return text.empty() ? text : prefix_ + text; }

 private:
  std::string prefix_;
};

class Replace : public Normalizer {
 public:
  Replace(TextPattern pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::string normalize(const std::string& text) const override { return pattern_.replace_all(text, content_); }

 private:
  TextPattern pattern_;
  std::string content_;
};

class Sequence : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  std::string normalize(const std::string& text) const override {
    std::string s = text;
    for (const auto& step : steps_) s = step->normalize(s);
    return s;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

const icu::Normalizer2* unicode_form(const std::string& type) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* form = type == "NFC"    ? icu::Normalizer2::getNFCInstance(status)
                                 : type == "NFD"  ? icu::Normalizer2::getNFDInstance(status)
                                 : type == "NFKC" ? icu::Normalizer2::getNFKCInstance(status)
                                                  : icu::Normalizer2::getNFKDInstance(status);
  return U_SUCCESS(status) ? form : nullptr;
}

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const JsonPlace& place) {
  if (place.is_null()) return nullptr;
  const std::string type = place.type();
  if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    const icu::Normalizer2* form = unicode_form(type);
    if (!form) place.fail("ICU has no " + type + " data");
    return std::make_unique<UnicodeForm>(form);
  }
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Strip")
    return std::make_unique<Strip>(place["strip_left"].boolean_or(true), place["strip_right"].boolean_or(true));
  if (type == "Prepend") return std::make_unique<Prepend>(place.need("prepend").string());
  if (type == "Replace")
    return std::make_unique<Replace>(TextPattern::from_json(place.need("pattern")), place.need("content").string());
  if (type == "Sequence") {
    const JsonPlace list = place.need("normalizers");
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (size_t i = 0; i < list.array().size(); ++i)
      if (auto step = make_normalizer(list[i])) steps.push_back(std::move(step));
    return std::make_unique<Sequence>(std::move(steps));
  }
  place.unsupported("normalizer");
}

}  // namespace lpa
