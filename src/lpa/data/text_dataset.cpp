#include "lpa/data/text_dataset.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "lpa/data/text_files.h"
#include "lpa/errors.h"
#include "lpa/io/utf8.h"
#include "lpa/text/tokenizer.h"

namespace lpa {
namespace {

// Windows of seq_len + 1 bytes starting inside r: starts r.begin .. r.end - seq_len - 1.
int64_t start_count(const ByteRange& r, int64_t seq_len) {
  return std::max<int64_t>(0, r.size() - seq_len);
}
// Non-overlapping windows with stride seq_len (the last target byte may be the next's first).
int64_t tile_count(const ByteRange& r, int64_t seq_len) {
  return std::max<int64_t>(0, (r.size() - 1) / seq_len);
}

std::string human_bytes(int64_t n) {
  std::ostringstream o;
  o.precision(3);
  if (n >= 1000000) o << n / 1e6 << " MB";
  else if (n >= 1000) o << n / 1e3 << " kB";
  else o << n << " B";
  return o.str();
}

}  // namespace

TextDataset::TextDataset(std::string corpus, int64_t seq_len, double val_fraction,
                         double test_fraction, uint64_t split_seed, std::string origin)
    : vocabulary_(kByteVocabulary), unit_("bytes"), seq_len_(seq_len), origin_(std::move(origin)) {
  const int64_t n = static_cast<int64_t>(corpus.size());
  tokens_ = torch::empty({n}, torch::kUInt8);
  std::copy(corpus.begin(), corpus.end(), reinterpret_cast<char*>(tokens_.data_ptr<uint8_t>()));
  split(split_seed, val_fraction, test_fraction);
}

TextDataset::TextDataset(torch::Tensor tokens, int64_t vocabulary, std::string unit, int64_t seq_len,
                         double val_fraction, double test_fraction, uint64_t split_seed, std::string origin)
    : tokens_(std::move(tokens)), vocabulary_(vocabulary), unit_(std::move(unit)), seq_len_(seq_len),
      origin_(std::move(origin)) {
  split(split_seed, val_fraction, test_fraction);
}

void TextDataset::split(uint64_t split_seed, double val_fraction, double test_fraction) {
  const int64_t n = tokens_.size(0);
  // Two held-out ranges cut the training tokens into three pieces at two seeded points.
  const int64_t n_val = std::llround(n * val_fraction), n_test = std::llround(n * test_fraction);
  const int64_t n_train = n - n_val - n_test;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(split_seed * 104729ULL + 3);
  auto cuts = torch::randint(n_train + 1, {2}, gen, torch::kLong);
  int64_t c1 = cuts[0].item<int64_t>(), c2 = cuts[1].item<int64_t>();
  if (c1 > c2) std::swap(c1, c2);
  const bool val_first = torch::randint(2, {1}, gen, torch::kLong).item<int64_t>() == 0;
  const int64_t len1 = val_first ? n_val : n_test, len2 = val_first ? n_test : n_val;
  const ByteRange held1{c1, c1 + len1}, held2{c2 + len1, c2 + len1 + len2};
  auto& train = ranges_[static_cast<int>(Split::train)];
  for (ByteRange r : {ByteRange{0, held1.begin}, ByteRange{held1.end, held2.begin},
                      ByteRange{held2.end, n}})
    if (r.size() > 0) train.push_back(r);
  ranges_[static_cast<int>(Split::val)] = {val_first ? held1 : held2};
  ranges_[static_cast<int>(Split::test)] = {val_first ? held2 : held1};
}

DataSpec TextDataset::spec() const {
  DataSpec s;
  s.task = Task::language_model;
  s.input_shape = {seq_len_};
  s.output_dim = vocabulary_;
  return s;
}

int64_t TextDataset::size(Split s) const {
  int64_t n = 0;
  for (const auto& r : ranges(s)) n += tile_count(r, seq_len_);
  return n;
}

int64_t TextDataset::window_start(Split s, int64_t tile) const {
  for (const auto& r : ranges(s)) {
    const int64_t k = tile_count(r, seq_len_);
    if (tile < k) return r.begin + tile * seq_len_;
    tile -= k;
  }
  throw std::out_of_range("text window index past the end of the " + to_string(s) + " split");
}

int64_t TextDataset::random_train_start(int64_t u) const {
  for (const auto& r : ranges(Split::train)) {
    const int64_t k = start_count(r, seq_len_);
    if (u < k) return r.begin + u;
    u -= k;
  }
  throw std::out_of_range("random text window past the end of the training split");
}

Batch TextDataset::get(Split s, const torch::Tensor& indices, bool augment) const {
  const int64_t b = indices.size(0);
  torch::Tensor starts = torch::empty({b}, torch::kLong);
  auto st = starts.accessor<int64_t, 1>();
  if (augment && s == Split::train) {
    int64_t total = 0;
    for (const auto& r : ranges(Split::train)) total += start_count(r, seq_len_);
    torch::Tensor u = torch::randint(total, {b}, torch::kLong);
    auto ua = u.accessor<int64_t, 1>();
    for (int64_t i = 0; i < b; ++i) st[i] = random_train_start(ua[i]);
  } else {
    torch::Tensor idx = indices.to(torch::kCPU, torch::kLong).contiguous();
    auto ia = idx.accessor<int64_t, 1>();
    for (int64_t i = 0; i < b; ++i) st[i] = window_start(s, ia[i]);
  }
  // The window starts come from the host (a few numbers); the windows are cut where the corpus is.
  const auto on = torch::TensorOptions().dtype(torch::kLong).device(tokens_.device());
  torch::Tensor offsets = starts.to(on.device()).unsqueeze(1) + torch::arange(seq_len_ + 1, on);
  torch::Tensor w = tokens_.index({offsets}).to(torch::kLong);
  return {w.narrow(1, 0, seq_len_), w.narrow(1, 1, seq_len_)};
}

std::string TextDataset::describe() const {
  std::ostringstream o;
  if (unit_ == "bytes")
    o << "text " << origin_ << ", " << human_bytes(corpus_bytes()) << " as bytes (vocabulary 256); ";
  else
    o << "text " << origin_ << ", " << corpus_bytes() << " " << unit_ << " (vocabulary " << vocabulary_ << "); ";
  o << "windows of " << seq_len_ + 1 << " " << unit_ << ": train " << size(Split::train) << " ("
    << ranges(Split::train).size() << " ranges), val " << size(Split::val) << ", test "
    << size(Split::test);
  return o.str();
}

DataSpec text_lm_spec(const ExperimentConfig& cfg) {
  DataSpec s;
  s.task = Task::language_model;
  s.input_shape = {cfg.data.seq_len};
  s.output_dim = cfg.data.tokenizer == "bytes" ? kByteVocabulary : load_tokenizer(cfg.data.tokenizer)->vocab_size();
  return s;
}

namespace {

// The documents as one id sequence, each followed by the tokenizer's end-of-text token (when
// it has one; otherwise they are encoded with the line break between them).
torch::Tensor encode_corpus(const std::vector<std::string>& documents, const Tokenizer& tokenizer) {
  std::vector<int32_t> ids;
  const auto eos = tokenizer.eos_id();
  for (size_t i = 0; i < documents.size(); ++i) {
    const bool last = i + 1 == documents.size();
    const std::string text = eos || last ? documents[i] : documents[i] + "\n";
    for (int64_t id : tokenizer.encode(text)) ids.push_back(static_cast<int32_t>(id));
    if (eos && !last) ids.push_back(static_cast<int32_t>(*eos));
  }
  torch::Tensor t = torch::empty({static_cast<int64_t>(ids.size())}, torch::kInt);
  std::copy(ids.begin(), ids.end(), t.data_ptr<int32_t>());
  return t;
}

}  // namespace

DatasetPtr make_text_dataset(const ExperimentConfig& cfg) {
  const auto& d = cfg.data;
  const auto files = list_text_files(d.files, d.extensions, cfg.where("data.files"));
  std::string corpus;
  std::vector<std::string> documents;  // for a tokenizer: the same bytes, document by document
  int64_t empty = 0;
  for (const auto& f : files) {
    std::string bytes = read_bytes(f);
    if (bytes.empty()) ++empty;
    // Documents stay apart by at least one line break.
    if (!corpus.empty() && corpus.back() != '\n' && !bytes.empty()) corpus += '\n';
    if (d.limit_bytes > 0 && static_cast<int64_t>(corpus.size() + bytes.size()) > d.limit_bytes)
      bytes.resize(static_cast<size_t>(std::max<int64_t>(0, d.limit_bytes - static_cast<int64_t>(corpus.size()))));
    corpus += bytes;
    if (!bytes.empty()) documents.push_back(std::move(bytes));
    if (d.limit_bytes > 0 && static_cast<int64_t>(corpus.size()) >= d.limit_bytes) break;
  }
  if (d.limit_bytes > 0 && static_cast<int64_t>(corpus.size()) > d.limit_bytes)
    corpus.resize(static_cast<size_t>(d.limit_bytes));
  if (corpus.empty())
    throw UserError(cfg.where("data.files") + ": the corpus is empty (" + std::to_string(files.size()) +
                    " file" + (files.size() == 1 ? "" : "s") + ", 0 bytes)");
  const size_t invalid = count_invalid_utf8(corpus);

  std::ostringstream origin;
  origin << "(" << files.size() << " file" << (files.size() == 1 ? "" : "s");
  if (empty) origin << ", " << empty << " empty";
  if (invalid) origin << ", " << invalid << " invalid UTF-8 sequences kept as bytes";
  origin << ")";
  const int64_t seed = d.seed >= 0 ? d.seed : cfg.train.seed;
  std::shared_ptr<TextDataset> data;
  if (d.tokenizer == "bytes") {
    data = std::make_shared<TextDataset>(std::move(corpus), d.seq_len, d.val_fraction, d.test_fraction,
                                         static_cast<uint64_t>(seed), origin.str());
  } else {
    const auto tokenizer = load_tokenizer(d.tokenizer);
    data = std::make_shared<TextDataset>(encode_corpus(documents, *tokenizer), tokenizer->vocab_size(),
                                         tokenizer->kind() + " tokens", d.seq_len, d.val_fraction,
                                         d.test_fraction, static_cast<uint64_t>(seed), origin.str());
  }

  const int64_t window = d.seq_len + 1;
  auto too_short = [&](Split s, const std::string& key, double fraction) {
    if (fraction > 0 && data->size(s) == 0)
      throw UserError(cfg.where(key) + ": the " + to_string(s) + " range (" +
                      std::to_string(data->ranges(s).front().size()) +
                      " bytes) is shorter than one window of data.seq_len + 1 = " +
                      std::to_string(window) + " bytes; raise " + key + " or lower data.seq_len");
  };
  too_short(Split::val, "data.val_fraction", d.val_fraction);
  too_short(Split::test, "data.test_fraction", d.test_fraction);
  if (data->size(Split::train) == 0)
    throw UserError(cfg.where("data.seq_len") + ": the training text (" +
                    std::to_string(data->corpus_bytes()) + " bytes in all) holds no window of " +
                    std::to_string(window) + " bytes; lower data.seq_len or add text");
  return data;
}

}  // namespace lpa
