#include <filesystem>

#include "catch.h"
#include "lpa/errors.h"
#include "lpa/text/tokenizer.h"
#include "test_support.h"
#include "text/tokenizer_fixtures.h"

using namespace lpa;

namespace {
using Ids = std::vector<int64_t>;

// The message of the UserError that loading `spec` throws ("" if it loads).
std::string load_error(const std::string& spec) {
  try {
    load_tokenizer(spec);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("load tokenizer: bytes are their own ids") {
  const auto t = load_tokenizer("bytes");
  CHECK(t->kind() == "bytes");
  CHECK(t->vocab_size() == 256);
  CHECK(t->encode("Hi\n\xFF") == Ids{72, 105, 10, 255});
  CHECK(t->decode({72, 105, 10, 255}) == "Hi\n\xFF");
  CHECK(!t->eos_id());
  CHECK(!t->bos_id());
  CHECK_THROWS_WITH(t->decode({256}), "token id 256 is out of range (the vocabulary has ids 0..255)");
}

TEST_CASE("load tokenizer: a folder with GPT-2's files, under either pair of names") {
  test::TempDir dir("load_gpt2");
  test::write_tiny_gpt2_files(dir.path);
  CHECK(load_tokenizer(dir.path)->kind() == "gpt2-bpe");
  CHECK(load_tokenizer(dir.path + "/")->encode("hello world") == Ids{259, 264});
  // GPT-2's release names them encoder.json and vocab.bpe.
  std::filesystem::rename(dir.file("vocab.json"), dir.file("encoder.json"));
  std::filesystem::rename(dir.file("merges.txt"), dir.file("vocab.bpe"));
  CHECK(load_tokenizer(dir.path)->encode("hello world") == Ids{259, 264});
}

TEST_CASE("load tokenizer: tokenizer.json wins over GPT-2's files beside it") {
  test::TempDir dir("load_json");
  test::write_tiny_gpt2_files(dir.path);
  nlohmann::json json = {{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}}}, {"merges", nlohmann::json::array()}}}};
  test::write_text(dir.file("tokenizer.json"), json.dump());
  const auto t = load_tokenizer(dir.path);
  CHECK(t->kind() == "tokenizer.json");
  CHECK(t->encode("ab") == Ids{0, 1});
}

TEST_CASE("load tokenizer: the GPT-2 reference files load as gpt2-bpe") {
  const std::string dir = test::gpt2_dir_or_skip();
  const auto t = load_tokenizer(dir);
  CHECK(t->kind() == "gpt2-bpe");
  CHECK(t->encode("Hello world") == Ids{15496, 995});  // gpt-3-encoder's ids
  CHECK(t->eos_id() == 50256);
}

TEST_CASE("load tokenizer: a folder without tokenizer files says what is missing") {
  test::TempDir dir("load_missing");
  CHECK(load_error(dir.path) ==
        "tokenizer " + dir.path + ": no tokenizer.json, and no vocab.json/encoder.json + merges.txt/vocab.bpe");
  test::write_text(dir.file("vocab.json"), "{}");
  CHECK(load_error(dir.path) == "tokenizer " + dir.path + ": " + dir.file("vocab.json") +
                                    " but no merges.txt/vocab.bpe beside it");
  std::filesystem::remove(dir.file("vocab.json"));
  test::write_text(dir.file("merges.txt"), "");
  CHECK(load_error(dir.path) == "tokenizer " + dir.path + ": " + dir.file("merges.txt") +
                                    " but no vocab.json/encoder.json beside it");
  CHECK(load_error(dir.path + "/nowhere") ==
        "tokenizer " + dir.path + "/nowhere: no such folder (expected 'bytes' or a folder with tokenizer.json, "
        "or vocab.json/encoder.json + merges.txt/vocab.bpe)");
  CHECK(load_error(dir.file("merges.txt")) ==
        "tokenizer " + dir.file("merges.txt") + ": is a file; give the folder that holds it (or 'bytes')");
}

TEST_CASE("load tokenizer: broken GPT-2 files name the file, and the line of a bad merge") {
  test::TempDir dir("load_broken");
  test::write_tiny_gpt2_files(dir.path);
  const std::string vocab = dir.file("vocab.json"), merges = dir.file("merges.txt");
  const std::string good_merges = test::read_text(merges);

  test::write_text(merges, good_merges + "h zz\n");
  CHECK(load_error(dir.path) == merges + ":11: 'zz' is not in " + vocab);
  test::write_text(merges, good_merges + "h e l\n");
  CHECK(load_error(dir.path) == merges + ":11: expected two tokens separated by a space, got 'h e l'");
  test::write_text(merges, good_merges + "o o\n");
  CHECK(load_error(dir.path) == merges + ":11: merging 'o o' makes 'oo', which is not in " + vocab);
  test::write_text(merges, good_merges);

  const std::string good_vocab = test::read_text(vocab);
  test::write_text(vocab, "{\"a\": 1,");
  CHECK_THAT(load_error(dir.path), Catch::StartsWith(vocab + ": not valid JSON: [json.exception.parse_error.101]"));
  test::write_text(vocab, "[1, 2]");
  CHECK(load_error(dir.path) == vocab + ": expected a JSON object of token: id");
  test::write_text(vocab, "{\"a\": \"one\"}");
  CHECK(load_error(dir.path) == vocab + ": token 'a': expected an integer id");
  test::write_text(vocab, "{\"a\": -3}");
  CHECK(load_error(dir.path) == vocab + ": token 'a': id -3 is not in 0..16777215");
  test::write_text(vocab, "{\"a\": 0, \"b\": 1}");
  CHECK(load_error(dir.path) == vocab + ": no token for byte 0x00 ('\xC4\x80'): not a byte-level BPE vocabulary");
  test::write_text(vocab, "{}");
  CHECK(load_error(dir.path) == vocab + ": the vocabulary is empty");
}
