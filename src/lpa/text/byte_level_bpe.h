// The pieces of GPT-2's byte-level BPE that its own files and tokenizer.json both use: the
// byte <-> character table, the merge loop, and a cache of encoded words.
#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace lpa {

// The largest token id a vocabulary may use: ids index tables (and the merge table's 32-bit key
// halves), and 16M is far past any released vocabulary (Gemma's 256k).
constexpr int64_t kMaxTokenId = (int64_t{1} << 24) - 1;
std::string token_id_range();  // "0..16777215", for messages

// GPT-2's bytes_to_unicode(): printable bytes stand for themselves, the others are moved to
// U+0100.. so that every byte is a visible character and tokens never hold spaces or controls.
// Entry b is that character as UTF-8.
const std::array<std::string, 256>& byte_to_unicode();
// The inverse: the byte a character stands for, or -1 for a character outside the table.
int unicode_to_byte(char32_t c);

// bytes -> their characters (what byte-level vocabularies are written in).
std::string bytes_to_byte_level(const std::string& bytes);
// characters -> bytes; false (out unspecified) if some character is outside the table.
bool byte_level_to_bytes(const std::string& chars, std::string& out);

// Merge rules over token ids: (left, right) -> merged, ranked by their order in the file.
class BpeMerges {
 public:
  // The next rank. A pair given twice keeps the later rank and result, as the dict that
  // encoder.py (and the HashMap Hugging Face) builds from the list does.
  void add(int64_t left, int64_t right, int64_t merged);
  size_t size() const { return merges_.size(); }
  void reserve(size_t count) { merges_.reserve(count); }

  // OpenAI's bpe(): while some adjacent pair has a rank, take the lowest-ranked pair and merge
  // all its occurrences, left to right. Done with a heap, round by round (one rank per round),
  // so it gives encoder.py's result exactly while costing O(n log n), not O(n^2), on long words.
  void apply(std::vector<int64_t>& symbols) const;

 private:
  struct Merge {
    int64_t rank;
    int64_t merged;
  };
  static uint64_t key(int64_t left, int64_t right) {
    return (static_cast<uint64_t>(left) << 32) | static_cast<uint32_t>(right);
  }
  const Merge* find(int64_t left, int64_t right) const;
  std::unordered_map<uint64_t, Merge> merges_;
  int64_t next_rank_ = 0;
};

// Encoded words, so each distinct word runs the merge loop once. Guarded by a mutex: encode()
// stays const and safe to call from several threads.
class WordCache {
 public:
  bool find(const std::string& word, std::vector<int64_t>& ids) const;
  // Long words and a full cache are not stored: memory stays bounded on any input.
  void store(const std::string& word, const std::vector<int64_t>& ids) const;

 private:
  static constexpr size_t kMaxWordBytes = 256;
  static constexpr size_t kMaxWords = 1 << 18;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, std::vector<int64_t>> words_;
};

}  // namespace lpa
