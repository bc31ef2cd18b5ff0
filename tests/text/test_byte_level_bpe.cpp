#include <set>

#include "catch.h"
#include "lpa/text/byte_level_bpe.h"

using namespace lpa;

TEST_CASE("byte level: GPT-2's table maps the 256 bytes to distinct characters and back") {
  const auto& table = byte_to_unicode();
  CHECK(std::set<std::string>(table.begin(), table.end()).size() == 256);
  CHECK(table['A'] == "A");
  CHECK(table['!'] == "!");
  CHECK(table[' '] == "\xC4\xA0");   // U+0120 'Ġ', the space of GPT-2's vocabulary
  CHECK(table['\n'] == "\xC4\x8A");  // U+010A 'Ċ'
  CHECK(table[0xAD] == "\xC5\x83");  // the soft hyphen is not printable: U+0143, the last
  for (int b = 0; b < 256; ++b) {
    std::string bytes;
    REQUIRE(byte_level_to_bytes(table[b], bytes));
    CHECK(bytes == std::string(1, static_cast<char>(b)));
  }
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  std::string back;
  REQUIRE(byte_level_to_bytes(bytes_to_byte_level(all), back));
  CHECK(back == all);
  CHECK_FALSE(byte_level_to_bytes("\xE2\x96\x81", back));  // '▁' is outside the table
  CHECK(unicode_to_byte(U'\u0144') == -1);
}

namespace {
// Tokens: a=0 b=1 c=2, merges add more.
std::vector<int64_t> merged(const BpeMerges& m, std::vector<int64_t> symbols) {
  m.apply(symbols);
  return symbols;
}
}  // namespace

TEST_CASE("byte level bpe: the lowest-ranked pair merges first, all its occurrences left to right") {
  BpeMerges m;
  m.add(1, 2, 10);   // rank 0: b c -> bc
  m.add(0, 1, 11);   // rank 1: a b -> ab
  m.add(0, 10, 12);  // rank 2: a bc -> abc
  m.add(0, 0, 13);   // rank 3: a a -> aa
  // "abc": b c has the lower rank, so a + bc, then abc (never ab + c).
  CHECK(merged(m, {0, 1, 2}) == std::vector<int64_t>{12});
  // "aaa": left to right, non-overlapping: aa + a.
  CHECK(merged(m, {0, 0, 0}) == std::vector<int64_t>{13, 0});
  CHECK(merged(m, {0, 0, 0, 0}) == std::vector<int64_t>{13, 13});
  CHECK(merged(m, {2, 2}) == std::vector<int64_t>{2, 2});  // no rule: unchanged
  CHECK(merged(m, {1}) == std::vector<int64_t>{1});
  CHECK(merged(m, {}).empty());
}

TEST_CASE("byte level bpe: a round finishes its pair before a lower rank it creates (encoder.py, not one at a time)") {
  // rank 0: (ab, a) -> aba, a pair that only rank 1 can create; rank 1: (a, b) -> ab.
  // encoder.py merges both a b of "abab" first (ab ab: no rule left); merging one occurrence at
  // a time would reach "aba" + b.
  BpeMerges m;
  m.add(10, 0, 11);
  m.add(0, 1, 10);
  CHECK(merged(m, {0, 1, 0, 1}) == std::vector<int64_t>{10, 10});
}

TEST_CASE("byte level bpe: a pair listed twice keeps its later rank, as a dict built from the list does") {
  BpeMerges m;
  m.add(0, 1, 10);  // rank 0, replaced below
  m.add(1, 2, 11);  // rank 1
  m.add(0, 1, 10);  // rank 2
  CHECK(m.size() == 2);
  CHECK(merged(m, {0, 1, 2}) == std::vector<int64_t>{0, 11});
}

TEST_CASE("byte level bpe: a long word costs n log n (a million symbols merge at once)") {
  BpeMerges m;
  m.add(0, 0, 1);
  m.add(1, 1, 2);
  m.add(2, 2, 3);
  std::vector<int64_t> word(1 << 20, 0);
  m.apply(word);
  CHECK(word.size() == (1 << 17));
  CHECK(word.front() == 3);
}

TEST_CASE("byte level bpe: the word cache returns what was stored, and skips long words") {
  WordCache cache;
  std::vector<int64_t> ids;
  CHECK_FALSE(cache.find("hello", ids));
  cache.store("hello", {31373});
  REQUIRE(cache.find("hello", ids));
  CHECK(ids == std::vector<int64_t>{31373});
  const std::string long_word(1000, 'x');
  cache.store(long_word, {1, 2});
  CHECK_FALSE(cache.find(long_word, ids));
}
