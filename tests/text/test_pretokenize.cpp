#include "catch.h"
#include "lpa/text/pretokenize.h"

using namespace lpa;

namespace {
std::vector<std::string> words(const Regex& regex, const std::string& text) {
  std::vector<std::string> out;
  for (const auto& [begin, end] : regex.find_all(text)) out.push_back(text.substr(begin, end - begin));
  return out;
}
using Words = std::vector<std::string>;
}  // namespace

TEST_CASE("pretokenize: GPT-2's pattern splits contractions, letters, numbers, punctuation, spaces") {
  CHECK(words(gpt2_regex(), "Hello world's 2024 apples!!") ==
        Words{"Hello", " world", "'s", " 2024", " apples", "!!"});
  // A run of spaces gives all but the last to the run, the last to the next word; at the end the
  // run stays whole.
  CHECK(words(gpt2_regex(), "a   b  ") == Words{"a", "  ", " b", "  "});
  CHECK(words(gpt2_regex(), "x\n\nY") == Words{"x", "\n", "\n", "Y"});
  CHECK(words(gpt2_regex(), "I'LL") == Words{"I", "'", "LL"});  // case-sensitive, as in GPT-2
  CHECK(words(gpt2_regex(), "caf\xC3\xA9 \xE6\xBC\xA2\xE5\xAD\x97") ==
        Words{"caf\xC3\xA9", " \xE6\xBC\xA2\xE5\xAD\x97"});  // café 漢字: letters, not bytes
  CHECK(words(gpt2_regex(), "").empty());
}

TEST_CASE("pretokenize: white space is Unicode White_Space (Python regex, Oniguruma), not JavaScript white space") {
  // U+000B and U+0085 are white space to Python's `regex` (OpenAI) and Oniguruma (Hugging Face);
  // JavaScript's \s lacks U+0085 and adds U+FEFF. So " \u0085" is a space run here (JavaScript:
  // one punctuation word), and U+FEFF is punctuation.
  CHECK(words(gpt2_regex(), "a \xC2\x85" "b") == Words{"a", " ", "\xC2\x85", "b"});
  CHECK(words(gpt2_regex(), "a \x0b" "b") == Words{"a", " ", "\x0b", "b"});
  CHECK(words(gpt2_regex(), "a \xEF\xBB\xBF" "b") == Words{"a", " \xEF\xBB\xBF", "b"});
  CHECK(with_unicode_white_space(R"([^\s\p{L}]\S\\s)") == R"([^\p{White_Space}\p{L}]\P{White_Space}\\s)");
}

TEST_CASE("pretokenize: offsets are bytes of the input, invalid UTF-8 included") {
  const std::string text = "ab\xFF" "cd \xF0\x9F\x98\x80";  // an invalid byte, then an emoji (a surrogate pair in ICU)
  const auto spans = gpt2_regex().find_all(text);
  REQUIRE(spans.size() == 4);
  CHECK(spans[0] == Span{0, 2});
  CHECK(spans[1] == Span{2, 3});  // U+FFFD for the byte: punctuation, one byte long
  CHECK(spans[2] == Span{3, 5});
  CHECK(spans[3] == Span{5, 10});
}

TEST_CASE("pretokenize: Llama-3's pattern compiles and splits numbers by three") {
  const Regex llama3(
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
      "test");
  CHECK(words(llama3, "I'LL pay 1234567 dollars.\n\nOK") ==
        Words{"I", "'LL", " pay", " ", "123", "456", "7", " dollars", ".\n\n", "OK"});
}

TEST_CASE("pretokenize: a pattern ICU rejects is a UserError naming where it came from") {
  CHECK_THROWS_WITH(Regex("(unclosed", "tok/tokenizer.json: pre_tokenizer.pattern"),
                    Catch::Contains("tok/tokenizer.json: pre_tokenizer.pattern: regular expression '(unclosed' is not supported: U_REGEX_MISMATCHED_PAREN"));
}
