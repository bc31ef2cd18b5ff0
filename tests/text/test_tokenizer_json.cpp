// tokenizer.json read the way Hugging Face's tokenizers library reads it: hand-written files in
// the shapes Llama-2 (Metaspace-style normalizer, byte_fallback, <s>) and Llama-3 (Split +
// ByteLevel, ignore_merges, <|begin_of_text|>) ship, and GPT-2's own files rewritten as one.
#include <nlohmann/json.hpp>

#include "catch.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/text/gpt2_tokenizer.h"
#include "lpa/text/tokenizer_json.h"
#include "test_support.h"
#include "text/tokenizer_fixtures.h"

using namespace lpa;
using nlohmann::json;

namespace {
using Ids = std::vector<int64_t>;
const std::string kFile = "tok/tokenizer.json";
const std::string kMeta = "\xE2\x96\x81";  // '▁'

TokenizerJson from(const json& j) { return TokenizerJson(j.dump(), kFile); }

std::string error_of_text(const std::string& text) {
  try {
    TokenizerJson(text, kFile);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}
std::string load_error(const json& j) { return error_of_text(j.dump()); }

json added(int64_t id, const std::string& content, bool special = true) {
  return {{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false},
          {"rstrip", false}, {"normalized", false}, {"special", special}};
}

// Llama-2's layout: <unk> <s> </s>, the 256 <0xNN> byte tokens, then ▁ and letters and merges.
json llama2_style(bool byte_fallback = true) {
  json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    vocab[name] = 3 + b;
  }
  int id = 259;
  for (const std::string& t : {kMeta, std::string("h"), std::string("e"), std::string("l"), std::string("o"),
                              std::string("w"), std::string("r"), std::string("d")})
    vocab[t] = id++;
  const std::vector<std::string> merges = {kMeta + " h", "l l", kMeta + "h e", kMeta + "he ll", kMeta + "hell o",
                                           kMeta + " w", "o r", kMeta + "w or", "l d", kMeta + "wor ld"};
  for (const auto& m : merges) vocab[m.substr(0, m.find(' ')) + m.substr(m.find(' ') + 1)] = id++;
  return {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", {added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")}},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Prepend"}, {"prepend", kMeta}},
          {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kMeta}}}}}},
      {"pre_tokenizer", nullptr},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
        {"pair", json::array()},
        {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
      {"decoder",
       {{"type", "Sequence"},
        {"decoders",
         {{{"type", "Replace"}, {"pattern", {{"String", kMeta}}}, {"content", " "}},
          {{"type", "ByteFallback"}},
          {{"type", "Fuse"}},
          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", "<unk>"}, {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr}, {"fuse_unk", true}, {"byte_fallback", byte_fallback},
        {"ignore_merges", false}, {"vocab", vocab}, {"merges", merges}}}};
}

const char* kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Llama-3's layout on the tiny byte-level vocabulary, plus "Ġworlds", which no merge makes.
json llama3_style(bool ignore_merges = true, bool pair_merges = false) {
  json vocab = test::tiny_byte_level_vocab();
  vocab["\xC4\xA0worlds"] = 265;
  json merges = json::array();
  for (const auto& m : test::tiny_byte_level_merges())
    merges.push_back(pair_merges ? json{m.substr(0, m.find(' ')), m.substr(m.find(' ') + 1)} : json(m));
  return {
      {"added_tokens", {added(300, "<|begin_of_text|>"), added(301, "<|end_of_text|>")}},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"}, {"pattern", {{"Regex", kLlama3Pattern}}}, {"behavior", "Isolated"}, {"invert", false}},
          {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}}}}},
      {"post_processor",
       {{"type", "Sequence"},
        {"processors",
         {{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}},
          {{"type", "TemplateProcessing"},
           {"single",
            {{{"SpecialToken", {{"id", "<|begin_of_text|>"}, {"type_id", 0}}}},
             {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
           {"special_tokens",
            {{"<|begin_of_text|>", {{"id", "<|begin_of_text|>"}, {"ids", {300}}, {"tokens", {"<|begin_of_text|>"}}}}}}}}}}},
      {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"fuse_unk", false}, {"byte_fallback", false},
        {"ignore_merges", ignore_merges}, {"vocab", vocab}, {"merges", merges}}}};
}

}  // namespace

TEST_CASE("tokenizer.json: Llama-2 style: prepend and replace, BOS from the template, byte fallback") {
  const TokenizerJson t = from(llama2_style());
  CHECK(t.kind() == "tokenizer.json");
  CHECK(t.vocab_size() == 277);
  CHECK(t.bos_id() == 1);
  CHECK(t.eos_id() == 2);
  // "▁hello▁world" is one word (no pre-tokenizer): the merges make ▁hello and ▁world.
  CHECK(t.encode("hello world") == Ids{1, 271, 276});
  CHECK(t.encode("hello world", false) == Ids{271, 276});
  // '→' (E2 86 92) is not in the vocabulary: its bytes' <0xNN> tokens (3 + byte).
  CHECK(t.encode("hello \xE2\x86\x92", false) == Ids{271, 259, 3 + 0xE2, 3 + 0x86, 3 + 0x92});
  // </s> is cut out before normalising: each side gets its own ▁ (as Hugging Face's legacy
  // Llama tokenizer does).
  CHECK(t.encode("hello</s>world", false) == Ids{271, 2, 276});
  CHECK(t.encode("", false).empty());
  CHECK(t.encode("") == Ids{1});
  // Back: ▁ -> space, bytes -> '→', joined, one leading space stripped.
  CHECK(t.decode({271, 259, 3 + 0xE2, 3 + 0x86, 3 + 0x92}) == "hello \xE2\x86\x92");
  CHECK(t.decode({1, 271, 276}) == "<s> hello world");
  CHECK(t.decode({1, 271, 276}, true) == "hello world");
  // Bytes that are not UTF-8 decode as one U+FFFD each (Hugging Face's ByteFallback).
  CHECK(t.decode({271, 3 + 0xE2, 3 + 0x86}) == "hello\xEF\xBF\xBD\xEF\xBF\xBD");
  const std::string text = "hello world hello \xE2\x86\x92 wold \xF0\x9F\x98\x80 ok";
  CHECK(t.decode(t.encode(text, false)) == text);
  // The text after an added token is normalised on its own and gets its own ▁: a space more
  // comes back (Hugging Face's "legacy" Llama behaviour).
  CHECK(t.decode(t.encode("</s> ok", false)) == "</s>  ok");
}

TEST_CASE("tokenizer.json: without byte_fallback unknown characters become one fused <unk>") {
  const TokenizerJson t = from(llama2_style(false));
  CHECK(t.encode("hello \xE2\x86\x92\xE2\x86\x92", false) == Ids{271, 259, 0});
  json no_fuse = llama2_style(false);
  no_fuse["model"]["fuse_unk"] = false;
  CHECK(from(no_fuse).encode("hello \xE2\x86\x92\xE2\x86\x92", false) == Ids{271, 259, 0, 0});
  json no_unk = no_fuse;
  no_unk["model"]["unk_token"] = nullptr;
  CHECK(from(no_unk).encode("hello \xE2\x86\x92\xE2\x86\x92", false) == Ids{271, 259});  // dropped, as in HF
}

TEST_CASE("tokenizer.json: Llama-3 style: Split + ByteLevel, ignore_merges, <|begin_of_text|>") {
  const TokenizerJson t = from(llama3_style());
  CHECK(t.bos_id() == 300);
  CHECK(t.eos_id() == 301);
  CHECK(t.vocab_size() == 302);
  // " worlds" is in the vocabulary: with ignore_merges it is one token, whatever the merges say.
  CHECK(t.encode("hello worlds") == Ids{300, 259, 265});
  CHECK(from(llama3_style(false)).encode("hello worlds") == Ids{300, 259, 264, 's'});
  // Merges written as pairs (newer files) mean the same.
  CHECK(from(llama3_style(true, true)).encode("hello worlds") == from(llama3_style()).encode("hello worlds"));
  CHECK(t.encode("<|end_of_text|>hello<|begin_of_text|>", false) == Ids{301, 259, 300});
  CHECK(t.encode("2024!", false) == Ids{'2', '0', '2', '4', '!'});
  CHECK(t.decode({300, 259, 265}) == "<|begin_of_text|>hello worlds");
  CHECK(t.decode({300, 259, 265}, true) == "hello worlds");
  const std::string text = "hello world, HELLO WORLD's 12345\n\n\tcaf\xC3\xA9 \xE6\xBC\xA2";
  CHECK(t.decode(t.encode(text, false)) == text);
  CHECK_THROWS_WITH(t.decode({290}), "token id 290 is not in the vocabulary (no token has it)");
  CHECK_THROWS_WITH(t.decode({302}), "token id 302 is out of range (the vocabulary has ids 0..301)");
}

TEST_CASE("tokenizer.json: added tokens: longest match first, lstrip / rstrip, single_word") {
  json j = llama3_style();
  j["added_tokens"].push_back(added(310, "<|x|>"));
  j["added_tokens"].push_back(added(311, "<|x|>y"));
  json strip = added(312, "[M]", false);
  strip["lstrip"] = true;
  strip["rstrip"] = true;
  j["added_tokens"].push_back(strip);
  json word = added(313, "he", false);
  word["single_word"] = true;
  j["added_tokens"].push_back(word);
  const TokenizerJson t = from(j);
  CHECK(t.encode("<|x|>y<|x|>", false) == Ids{311, 310});
  CHECK(t.encode("hello  [M]  hello", false) == Ids{259, 312, 259});  // the spaces go with [M]
  // "he" alone is the token; inside "hello" a letter touches it, so not there (Ġ is byte 32's).
  CHECK(t.encode("he hello", false) == Ids{313, 32, 259});
}

TEST_CASE("tokenizer.json: GPT-2's files as a tokenizer.json give the same ids on State of the Union text") {
  const std::string dir = test::gpt2_dir_or_skip();
  const auto files = test::sotu_files_or_skip();
  json merges = json::array();
  const std::string bpe = read_file(dir + "/vocab.bpe");
  for (size_t at = bpe.find('\n') + 1, stop; at < bpe.size(); at = stop + 1) {
    stop = bpe.find('\n', at);
    if (stop == std::string::npos) stop = bpe.size();
    if (stop > at) merges.push_back(bpe.substr(at, stop - at));
  }
  const json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  const json gpt2_json = {
      {"added_tokens", {added(50256, "<|endoftext|>")}},
      {"normalizer", nullptr},
      {"pre_tokenizer", byte_level},
      {"post_processor", byte_level},
      {"decoder", byte_level},
      {"model", {{"type", "BPE"}, {"vocab", json::parse(read_file(dir + "/encoder.json"))}, {"merges", merges}}}};
  const TokenizerJson from_json = from(gpt2_json);
  const Gpt2Tokenizer from_files(dir + "/encoder.json", dir + "/vocab.bpe");
  CHECK(from_json.vocab_size() == 50257);
  CHECK(from_json.eos_id() == 50256);
  // Every 20th speech (12 of them, ~0.6 MB): the whole corpus is scripts/check_tokenizer.sh's job.
  size_t tokens = 0;
  for (size_t i = 0; i < files.size(); i += 20) {
    const std::string text = read_file(files[i]);
    const Ids ids = from_files.encode(text);
    CHECK(from_json.encode(text) == ids);
    CHECK(from_json.decode(ids) == text);
    tokens += ids.size();
  }
  CHECK(tokens > 50000);
  // The one difference: tokenizer.json splits out its added tokens.
  CHECK(from_json.encode("a<|endoftext|>b") == Ids{64, 50256, 65});
  CHECK(from_files.encode("a<|endoftext|>b") == Ids{64, 27, 91, 437, 1659, 5239, 91, 29, 65});
}

TEST_CASE("tokenizer.json: every error is one line naming the file and the field") {
  CHECK_THAT(error_of_text("{\"model\": "),
             Catch::StartsWith(kFile + ": not valid JSON: [json.exception.parse_error.101] parse error at line 1"));
  CHECK(load_error(json::array()) == kFile + ": expected an object");
  CHECK(load_error(json::object()) == kFile + ": model: missing");
  json j = llama2_style();
  j["normalizer"] = {{"type", "BertNormalizer"}};
  CHECK(load_error(j) == kFile + ": normalizer.type: unsupported normalizer type 'BertNormalizer'");
  j = llama2_style();
  j["decoder"]["decoders"][1] = {{"type", "WordPiece"}};
  CHECK(load_error(j) == kFile + ": decoder.decoders[1].type: unsupported decoder type 'WordPiece'");
  j = llama2_style();
  j["post_processor"]["single"][0]["SpecialToken"]["id"] = "<bos>";
  CHECK(load_error(j) == kFile + ": post_processor.single[0]: special token '<bos>' is not in special_tokens");
  j = llama2_style();
  j["post_processor"] = {{"type", "ClsProcessing"}};
  CHECK(load_error(j) == kFile + ": post_processor.type: unsupported post_processor type 'ClsProcessing'");
  j = llama2_style();
  j["model"]["type"] = "Unigram";
  CHECK(load_error(j) == kFile + ": model.type: unsupported model type 'Unigram' (only BPE is supported)");
  j = llama2_style();
  j["model"]["dropout"] = 0.1;
  CHECK(load_error(j) == kFile + ": model.dropout: BPE dropout is not supported (it makes encoding random); set it to null");
  j = llama2_style();
  j["model"]["merges"][2] = "zz e";
  CHECK(load_error(j) == kFile + ": model.merges[2]: 'zz' is not in the vocabulary");
  j["model"]["merges"][2] = "h h";
  CHECK(load_error(j) == kFile + ": model.merges[2]: merging makes 'hh', which is not in the vocabulary");
  j["model"]["merges"][2] = "hh";
  CHECK(load_error(j) == kFile + ": model.merges[2]: expected two tokens separated by a space, got 'hh'");
  j["model"]["merges"][2] = json::array({"h"});
  CHECK(load_error(j) == kFile + ": model.merges[2]: expected a pair of tokens, got [\"h\"]");
  j = llama2_style();
  j["model"]["unk_token"] = "<unknown>";
  CHECK(load_error(j) == kFile + ": model.unk_token: '<unknown>' is not in the vocabulary");
  j = llama2_style();
  j["model"]["vocab"]["h"] = "five";
  CHECK(load_error(j) == kFile + ": model.vocab: token 'h': id \"five\" is not an integer in 0..16777215");
  j = llama2_style();
  j["added_tokens"][1]["content"] = 7;
  CHECK(load_error(j) == kFile + ": added_tokens[1].content: expected a string, got 7");
  j = llama2_style();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "[a-"}}}, {"behavior", "Isolated"}};
  CHECK_THAT(load_error(j), Catch::StartsWith(kFile + ": pre_tokenizer.pattern: regular expression '[a-' is not supported: U_REGEX_"));
}
