#include "lpa/text/byte_level_bpe.h"

#include <algorithm>
#include <queue>

#include "lpa/text/utf8.h"

namespace lpa {
namespace {

std::array<int32_t, 256> byte_code_points() {
  std::array<int32_t, 256> cs{};
  std::array<bool, 256> printable{};
  for (int b = '!'; b <= '~'; ++b) printable[b] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
  int n = 0;
  for (int b = 0; b < 256; ++b) cs[b] = printable[b] ? b : 256 + n++;
  return cs;
}

}  // namespace

std::string token_id_range() { return "0.." + std::to_string(kMaxTokenId); }

const std::array<std::string, 256>& byte_to_unicode() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> t;
    const auto cs = byte_code_points();
    for (int b = 0; b < 256; ++b) t[b] = utf8_of(static_cast<char32_t>(cs[b]));
    return t;
  }();
  return table;
}

int unicode_to_byte(char32_t c) {
  static const std::array<int, 324> inverse = [] {
    std::array<int, 324> t;
    t.fill(-1);
    const auto cs = byte_code_points();
    for (int b = 0; b < 256; ++b) t[cs[b]] = b;
    return t;
  }();
  return c < inverse.size() ? inverse[c] : -1;
}

std::string bytes_to_byte_level(const std::string& bytes) {
  const auto& table = byte_to_unicode();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) out += table[b];
  return out;
}

bool byte_level_to_bytes(const std::string& chars, std::string& out) {
  out.clear();
  for (size_t pos = 0; pos < chars.size();) {
    size_t length;
    const char32_t c = next_code_point(chars, pos, length);
    const int b = (length == 1 && c == 0xFFFD) ? -1 : unicode_to_byte(c);
    if (b < 0) return false;
    out += static_cast<char>(b);
    pos += length;
  }
  return true;
}

void BpeMerges::add(int64_t left, int64_t right, int64_t merged) {
  merges_[key(left, right)] = Merge{next_rank_++, merged};
}

const BpeMerges::Merge* BpeMerges::find(int64_t left, int64_t right) const {
  const auto it = merges_.find(key(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

void BpeMerges::apply(std::vector<int64_t>& symbols) const {
  const size_t n = symbols.size();
  if (n < 2) return;
  // A doubly linked list over the positions; a merge keeps the left position, drops the right.
  std::vector<int64_t> prev(n), next(n);
  std::vector<bool> alive(n, true);
  for (size_t i = 0; i < n; ++i) {
    prev[i] = static_cast<int64_t>(i) - 1;
    next[i] = i + 1 < n ? static_cast<int64_t>(i + 1) : -1;
  }
  struct Candidate {
    int64_t rank;
    int64_t pos;
    int64_t left, right;  // the pair it was made for: stale once either side changed
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  auto offer = [&](int64_t pos) {
    if (pos < 0 || next[pos] < 0) return;
    const int64_t l = symbols[pos], r = symbols[next[pos]];
    if (const Merge* m = find(l, r)) heap.push({m->rank, pos, l, r});
  };
  for (size_t i = 0; i + 1 < n; ++i) offer(static_cast<int64_t>(i));

  std::vector<int64_t> merged_at;
  while (!heap.empty()) {
    // One round: every queued occurrence of the lowest-ranked pair, left to right (the heap
    // yields equal ranks by position). Pairs this round creates wait for the next round, as
    // encoder.py rescans only after merging all occurrences.
    const int64_t rank = heap.top().rank;
    merged_at.clear();
    while (!heap.empty() && heap.top().rank == rank) {
      const Candidate c = heap.top();
      heap.pop();
      if (!alive[c.pos] || next[c.pos] < 0) continue;
      const int64_t q = next[c.pos];
      if (symbols[c.pos] != c.left || symbols[q] != c.right) continue;
      symbols[c.pos] = find(c.left, c.right)->merged;
      alive[q] = false;
      next[c.pos] = next[q];
      if (next[q] >= 0) prev[next[q]] = c.pos;
      merged_at.push_back(c.pos);
    }
    for (int64_t pos : merged_at) {
      if (!alive[pos]) continue;
      offer(prev[pos]);
      offer(pos);
    }
  }
  size_t out = 0;
  for (size_t i = 0; i < n; ++i)
    if (alive[i]) symbols[out++] = symbols[i];
  symbols.resize(out);
}

bool WordCache::find(const std::string& word, std::vector<int64_t>& ids) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = words_.find(word);
  if (it == words_.end()) return false;
  ids = it->second;
  return true;
}

void WordCache::store(const std::string& word, const std::vector<int64_t>& ids) const {
  if (word.size() > kMaxWordBytes) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (words_.size() < kMaxWords) words_.emplace(word, ids);
}

}  // namespace lpa
