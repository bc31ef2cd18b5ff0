#include <nlohmann/json.hpp>

#include "catch.h"
#include "lpa/text/decoders.h"
#include "lpa/text/normalizers.h"

using namespace lpa;

namespace {
const std::string kFile = "tok/tokenizer.json";
const std::string kMeta = "\xE2\x96\x81";  // '▁'

std::string decode(const std::string& spec, const std::vector<std::string>& tokens) {
  const auto j = nlohmann::json::parse(spec);
  const auto decoder = make_decoder(JsonPlace(kFile, j, "decoder"));
  return decode_tokens(decoder.get(), tokens);
}

std::string normalize(const std::string& spec, const std::string& text) {
  const auto j = nlohmann::json::parse(spec);
  return make_normalizer(JsonPlace(kFile, j, "normalizer"))->normalize(text);
}
}  // namespace

TEST_CASE("decoders: Hugging Face's decode_chain, step by step") {
  CHECK(decode("null", {"a", "b"}) == "a b");  // no decoder: joined with spaces
  CHECK(decode(R"({"type": "ByteLevel"})", {"Hello", "\xC4\xA0world", "\xC4\x8A"}) == "Hello world\n");
  // A token outside the byte table stands for its own text.
  CHECK(decode(R"({"type": "ByteLevel"})", {"<s>", kMeta}) == "<s>" + kMeta);
  CHECK(decode(R"({"type": "ByteFallback"})", {"a", "<0xE2>", "<0x86>", "<0x92>", "<0xZZ>"}) ==
        "a\xE2\x86\x92<0xZZ>");
  CHECK(decode(R"({"type": "ByteFallback"})", {"<0xE2>", "<0x86>", "b"}) == "\xEF\xBF\xBD\xEF\xBF\xBD" "b");
  // Metaspace drops every ▁ of the first token, not only a leading one (as Hugging Face does).
  CHECK(decode(R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"})",
               {kMeta + "Hey" + kMeta, kMeta + "friend"}) == "Hey friend");
  CHECK(decode(R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never"})", {kMeta + "Hey"}) == " Hey");
  CHECK(decode(R"({"type": "Strip", "content": " ", "start": 2, "stop": 1})", {"   a  ", " "}) == " a ");
  CHECK(decode(R"({"type": "Replace", "pattern": {"Regex": "o+"}, "content": "0"})", {"foo", "bar"}) == "f0bar");
  CHECK(decode(R"({"type": "BPEDecoder", "suffix": "</w>"})", {"hel", "lo</w>", "wor", "ld</w>"}) == "hello world");
  CHECK(decode(R"({"type": "Fuse"})", {"a", "b"}) == "ab");
}

TEST_CASE("decoders: an unknown type or bad field names the file and the field") {
  CHECK_THROWS_WITH(decode(R"({"type": "CTC"})", {}), "tok/tokenizer.json: decoder.type: unsupported decoder type 'CTC'");
  CHECK_THROWS_WITH(decode(R"({"type": "Strip", "content": " ", "start": -1, "stop": 0})", {}),
                    "tok/tokenizer.json: decoder.start: expected a count >= 0, got -1");
  CHECK_THROWS_WITH(decode(R"({"type": "Strip", "content": " ", "start": 1})", {}),
                    "tok/tokenizer.json: decoder.stop: missing");
}

TEST_CASE("normalizers: Unicode forms, case, strip, prepend, replace, sequence") {
  CHECK(normalize(R"({"type": "NFC"})", "e\xCC\x81") == "\xC3\xA9");         // e + combining acute -> é
  CHECK(normalize(R"({"type": "NFD"})", "\xC3\xA9") == "e\xCC\x81");
  CHECK(normalize(R"({"type": "NFKC"})", "\xEF\xAC\x81") == "fi");            // the ligature ﬁ
  CHECK(normalize(R"({"type": "Lowercase"})", "HeLLo \xC3\x89") == "hello \xC3\xA9");
  CHECK(normalize(R"({"type": "Strip", "strip_left": true, "strip_right": false})", " \t a \n") == "a \n");
  CHECK(normalize(R"({"type": "Prepend", "prepend": "▁"})", "a") == kMeta + "a");
  CHECK(normalize(R"({"type": "Prepend", "prepend": "▁"})", "").empty());
  CHECK(normalize(R"({"type": "Replace", "pattern": {"String": " "}, "content": "▁"})", "a b  c") ==
        "a" + kMeta + "b" + kMeta + kMeta + "c");
  CHECK(normalize(R"({"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "})", "a \t\n b") == "a b");
  CHECK(normalize(R"({"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]})",
                  "\xEF\xAC\x81X") == "fix");
  CHECK_THROWS_WITH(normalize(R"({"type": "Precompiled", "precompiled_charsmap": ""})", "x"),
                    "tok/tokenizer.json: normalizer.type: unsupported normalizer type 'Precompiled'");
}
