#include <nlohmann/json.hpp>

#include "catch.h"
#include "lpa/text/pre_tokenizers.h"
#include "lpa/text/text_pattern.h"

using namespace lpa;

namespace {
using Words = std::vector<std::string>;
const std::string kFile = "tok/tokenizer.json";

Words split(const std::string& spec, const std::string& text, bool at_start = true) {
  const auto j = nlohmann::json::parse(spec);
  const auto pre = make_pre_tokenizer(JsonPlace(kFile, j, "pre_tokenizer"));
  std::vector<Piece> pieces{{text, at_start}};
  pre->split(pieces);
  Words out;
  for (const auto& p : pieces) out.push_back(p.text);
  return out;
}

std::string split_on_dash(const std::string& behavior, bool invert = false) {
  return R"({"type": "Split", "pattern": {"String": "-"}, "behavior": ")" + behavior +
         R"(", "invert": )" + (invert ? "true" : "false") + "}";
}
}  // namespace

TEST_CASE("pre-tokenizers: Split's behaviors on Hugging Face's own example") {
  const std::string text = "the-final--countdown";
  CHECK(split(split_on_dash("Removed"), text) == Words{"the", "final", "countdown"});
  CHECK(split(split_on_dash("Isolated"), text) == Words{"the", "-", "final", "-", "-", "countdown"});
  CHECK(split(split_on_dash("MergedWithPrevious"), text) == Words{"the-", "final-", "-", "countdown"});
  CHECK(split(split_on_dash("MergedWithNext"), text) == Words{"the", "-final", "-", "-countdown"});
  CHECK(split(split_on_dash("Contiguous"), text) == Words{"the", "-", "final", "--", "countdown"});
  // invert: the pattern marks what to keep.
  CHECK(split(split_on_dash("Removed", true), text) == Words{"-", "-", "-"});
  CHECK(split(R"({"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Removed", "invert": false})",
              "a  b\tc") == Words{"a", "b", "c"});
}

TEST_CASE("pre-tokenizers: Metaspace replaces spaces, prepends by scheme, splits before each replacement") {
  const std::string m = "\xE2\x96\x81";
  const auto metaspace = [](const std::string& scheme, bool split_words = true) {
    return R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": ")" + scheme + R"(", "split": )" +
           (split_words ? "true" : "false") + "}";
  };
  CHECK(split(metaspace("always"), "Hey friend") == Words{m + "Hey", m + "friend"});
  CHECK(split(metaspace("always"), "Hey friend", false) == Words{m + "Hey", m + "friend"});
  CHECK(split(metaspace("first"), "Hey friend") == Words{m + "Hey", m + "friend"});
  CHECK(split(metaspace("first"), "Hey friend", false) == Words{"Hey", m + "friend"});  // after an added token
  CHECK(split(metaspace("never"), "Hey friend") == Words{"Hey", m + "friend"});
  CHECK(split(metaspace("always", false), "Hey  friend") == Words{m + "Hey" + m + m + "friend"});
  // Files from before prepend_scheme: add_prefix_space.
  CHECK(split(R"({"type": "Metaspace", "replacement": "▁", "add_prefix_space": false})", "Hey") == Words{"Hey"});
}

TEST_CASE("pre-tokenizers: ByteLevel, Digits, Whitespace, WhitespaceSplit, Sequence") {
  CHECK(split(R"({"type": "ByteLevel", "add_prefix_space": true, "use_regex": true})", "Hello  world!") ==
        Words{"\xC4\xA0Hello", "\xC4\xA0", "\xC4\xA0world", "!"});
  CHECK(split(R"({"type": "ByteLevel", "add_prefix_space": false, "use_regex": false})", "a b\n") ==
        Words{"a\xC4\xA0" "b\xC4\x8A"});
  CHECK(split(R"({"type": "Digits", "individual_digits": true})", "Call 123 please") ==
        Words{"Call ", "1", "2", "3", " please"});
  CHECK(split(R"({"type": "Digits", "individual_digits": false})", "Call 123 please") ==
        Words{"Call ", "123", " please"});
  CHECK(split(R"({"type": "Whitespace"})", "Hey friend!     How are you?!?") ==
        Words{"Hey", "friend", "!", "How", "are", "you", "?!?"});
  CHECK(split(R"({"type": "WhitespaceSplit"})", "Hey friend!  How") == Words{"Hey", "friend!", "How"});
  CHECK(split(R"({"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
                  {"type": "Digits", "individual_digits": true}]})",
              "ab12 c3") == Words{"ab", "1", "2", "c", "3"});
}

TEST_CASE("pre-tokenizers: a bad spec is one line naming the file and the field") {
  CHECK_THROWS_WITH(split(R"({"type": "Punctuation"})", "x"),
                    "tok/tokenizer.json: pre_tokenizer.type: unsupported pre_tokenizer type 'Punctuation'");
  CHECK_THROWS_WITH(split(R"({"type": "Sequence", "pretokenizers": [{"type": "Digits"}, {"type": "Bert"}]})", "x"),
                    "tok/tokenizer.json: pre_tokenizer.pretokenizers[1].type: unsupported pre_tokenizer type 'Bert'");
  CHECK_THROWS_WITH(split(R"({"type": "Split", "pattern": {"String": "-"}, "behavior": "Sideways"})", "x"),
                    "tok/tokenizer.json: pre_tokenizer.behavior: unsupported split behavior 'Sideways' "
                    "(Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
  CHECK_THROWS_WITH(split(R"({"type": "Split", "pattern": {"Regex": "("}, "behavior": "Isolated"})", "x"),
                    "tok/tokenizer.json: pre_tokenizer.pattern: regular expression '(' is not supported: "
                    "U_REGEX_MISMATCHED_PAREN at offset 1");
  CHECK_THROWS_WITH(split(R"({"type": "Split", "pattern": {"Glob": "*"}, "behavior": "Isolated"})", "x"),
                    "tok/tokenizer.json: pre_tokenizer.pattern: expected {\"String\": ...} or {\"Regex\": ...}, "
                    "got {\"Glob\":\"*\"}");
  CHECK_THROWS_WITH(split(R"({"type": "Metaspace", "replacement": "ab"})", "x"),
                    "tok/tokenizer.json: pre_tokenizer.replacement: expected one character, got 'ab'");
  CHECK_THROWS_WITH(split(R"({"type": "Metaspace", "prepend_scheme": "sometimes"})", "x"),
                    "tok/tokenizer.json: pre_tokenizer.prepend_scheme: unsupported prepend_scheme 'sometimes' "
                    "(always, first, never)");
  CHECK_THROWS_WITH(split(R"({"pattern": "x"})", "x"), "tok/tokenizer.json: pre_tokenizer.type: missing");
}
