#include "lpa/data/text_classification_dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "lpa/data/mail_body.h"
#include "lpa/data/text_files.h"
#include "lpa/errors.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/utf8.h"
#include "lpa/text/tokenizer.h"

namespace lpa {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}


std::vector<LabelledText> read_label_folders(const ExperimentConfig& cfg) {
  const auto& d = cfg.data;
  const std::string key = cfg.where("data.root");
  std::error_code ec;
  if (!fs::is_directory(d.root, ec))
    throw UserError(key + ": " + d.root + " is not a folder" +
                    (d.root.rfind("data/", 0) == 0 ? " (scripts/fetch_data.sh fetches the corpora)" : ""));
  std::vector<std::string> folders;
  for (const auto& e : fs::directory_iterator(d.root, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && !name.empty() && name[0] != '.') folders.push_back(name);
  }
  std::sort(folders.begin(), folders.end());
  if (folders.empty()) throw UserError(key + ": " + d.root + " holds no label folders (one folder per class)");
  for (const auto& [folder, label] : d.label_map)
    if (std::find(folders.begin(), folders.end(), folder) == folders.end())
      throw UserError(cfg.where("data.label_map") + ": no folder '" + folder + "' in " + d.root);

  std::vector<LabelledText> docs;
  for (const auto& folder : folders) {
    const std::string path = (fs::path(d.root) / folder).string();
    const auto files = files_in_folder(path, d.extensions);
    if (files.empty())
      throw UserError(key + ": label folder " + path + " has no files ending in " +
                      describe_extensions(d.extensions) + " (see data.extensions)");
    auto it = d.label_map.find(folder);
    const std::string label = it == d.label_map.end() ? folder : it->second;
    // Without stripping only seq_len bytes are needed; with it, the headers come first.
    for (const auto& f : files)
      docs.push_back({document_content(d, read_bytes(f, d.strip_headers ? -1 : document_bytes(d))), label});
  }
  return docs;
}

std::vector<LabelledText> read_csv_texts(const ExperimentConfig& cfg) {
  const auto& d = cfg.data;
  const std::string key = cfg.where("data.csv");
  std::error_code ec;
  if (!fs::is_regular_file(d.csv, ec)) throw UserError(key + ": " + d.csv + " does not exist");
  auto rows = read_csv(d.csv);
  // A header row naming `text` and `label` picks the columns; without one they are 1 and 2.
  size_t text_col = 0, label_col = 1, first = 0;
  if (!rows.empty()) {
    const auto& h = rows.front();
    auto col = [&](const char* name) {
      for (size_t i = 0; i < h.size(); ++i)
        if (lower(h[i]) == name) return static_cast<long>(i);
      return -1L;
    };
    if (col("text") >= 0 && col("label") >= 0) {
      text_col = static_cast<size_t>(col("text"));
      label_col = static_cast<size_t>(col("label"));
      first = 1;
    }
  }
  std::vector<LabelledText> docs;
  for (size_t i = first; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (r.size() == 1 && r[0].empty()) continue;  // blank line
    if (r.size() <= std::max(text_col, label_col))
      throw UserError(key + ": " + d.csv + " row " + std::to_string(i + 1) + " has " +
                      std::to_string(r.size()) + " cell(s); expected text,label");
    // A text with an unquoted comma splits into one cell too many: it would be read cut short,
    // with its second half as the label.
    if (r.size() != rows.front().size())
      throw UserError(key + ": " + d.csv + " row " + std::to_string(i + 1) + " has " + std::to_string(r.size()) +
                      " cells, row 1 has " + std::to_string(rows.front().size()) +
                      " (a comma in a text needs the text in double quotes)");
    if (r[label_col].empty())
      throw UserError(key + ": " + d.csv + " row " + std::to_string(i + 1) + " has an empty label");
    docs.push_back({document_content(d, r[text_col]), r[label_col]});
  }
  return docs;
}

class TextClassificationDataset : public Dataset {
 public:
  TextClassificationDataset(std::vector<torch::Tensor> x, std::vector<torch::Tensor> y,
                            std::vector<std::string> classes, int64_t seq_len, bool strip_headers,
                            std::string origin, std::string unit)
      : x_(std::move(x)), y_(std::move(y)), classes_(std::move(classes)), seq_len_(seq_len),
        strip_headers_(strip_headers), origin_(std::move(origin)), unit_(std::move(unit)) {}

  DataSpec spec() const override {
    DataSpec s;
    s.task = Task::classification;
    s.input_shape = {seq_len_};
    s.output_dim = static_cast<int64_t>(classes_.size());
    s.class_names = classes_;
    return s;
  }
  int64_t size(Split s) const override { return x_[static_cast<int>(s)].size(0); }
  Batch get(Split s, const torch::Tensor& idx, bool) const override {
    const int i = static_cast<int>(s);
    const torch::Tensor at = idx.to(x_[i].device());
    return {x_[i].index_select(0, at).to(torch::kLong), y_[i].index_select(0, at)};
  }
  std::string describe() const override {
    std::ostringstream o;
    o << "text_classification " << origin_ << ", first " << seq_len_ << " " << unit_ << " of each"
      << (strip_headers_ ? " after its headers" : "") << "; classes";
    for (size_t c = 0; c < classes_.size(); ++c) {
      int64_t n = 0;
      for (const auto& y : y_) n += y.eq(static_cast<int64_t>(c)).sum().item<int64_t>();
      o << (c ? ", " : " ") << classes_[c] << " " << n;
    }
    o << "; train " << size(Split::train) << ", val " << size(Split::val) << ", test "
      << size(Split::test);
    return o.str();
  }

 protected:
  std::vector<torch::Tensor*> sample_tensors() override {
    std::vector<torch::Tensor*> t;
    for (auto& x : x_) t.push_back(&x);
    for (auto& y : y_) t.push_back(&y);
    return t;
  }

 private:
  std::vector<torch::Tensor> x_, y_;  // x: int16 [n, seq_len] (bytes, kPadToken after the end) or int32 (token ids)
  std::vector<std::string> classes_;
  int64_t seq_len_;
  bool strip_headers_;
  std::string origin_;
  std::string unit_;  // "bytes" or "tokens"
};

}  // namespace

// Headers name the servers a mail passed, not what it says: data.strip_headers skips them.
int64_t document_bytes(const DataSection& d) {
  return d.tokenizer == "bytes" ? d.seq_len : kTokenizedBytesPerToken * d.seq_len;
}

std::string document_content(const DataSection& d, const std::string& text) {
  const size_t n = static_cast<size_t>(document_bytes(d));
  return d.strip_headers ? mail_body(text).substr(0, n) : text.substr(0, n);
}

torch::Tensor encode_documents(const std::vector<std::string>& texts, int64_t seq_len) {
  const int64_t n = static_cast<int64_t>(texts.size());
  torch::Tensor x = torch::full({n, seq_len}, kPadToken, torch::kLong);
  auto xa = x.accessor<int64_t, 2>();
  for (int64_t i = 0; i < n; ++i)
    for (size_t k = 0; k < texts[i].size() && static_cast<int64_t>(k) < seq_len; ++k)
      xa[i][k] = static_cast<unsigned char>(texts[i][k]);
  return x;
}

torch::Tensor encode_documents(const std::vector<std::string>& texts, const DataSection& d) {
  if (d.tokenizer == "bytes") return encode_documents(texts, d.seq_len);
  const auto tokenizer = load_tokenizer(d.tokenizer);
  const int64_t n = static_cast<int64_t>(texts.size());
  torch::Tensor x = torch::full({n, d.seq_len}, kTokenizedPad, torch::kLong);
  auto xa = x.accessor<int64_t, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const std::vector<int64_t> ids = tokenizer->encode(texts[i]);
    for (size_t k = 0; k < ids.size() && static_cast<int64_t>(k) < d.seq_len; ++k) xa[i][k] = ids[k];
  }
  return x;
}

std::vector<LabelledText> read_labelled_texts(const ExperimentConfig& cfg) {
  const auto& d = cfg.data;
  if (d.csv.empty() && d.root.empty())
    throw UserError(cfg.where("data.root") +
                    ": text_classification needs data.root (a folder per label) or data.csv");
  auto docs = d.csv.empty() ? read_label_folders(cfg) : read_csv_texts(cfg);
  std::map<std::string, int64_t> per_class;
  for (const auto& doc : docs) ++per_class[doc.label];
  const std::string key = cfg.where(d.csv.empty() ? "data.root" : "data.csv");
  if (docs.empty()) throw UserError(key + ": no documents");
  if (per_class.size() < 2)
    throw UserError(key + ": found only the class '" + per_class.begin()->first +
                    "'; classification needs at least two");
  return docs;
}

DatasetPtr make_text_classification_dataset(const ExperimentConfig& cfg) {
  const auto& d = cfg.data;
  auto docs = read_labelled_texts(cfg);
  std::vector<std::string> classes;
  classes.reserve(docs.size());
  for (const auto& doc : docs) classes.push_back(doc.label);
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());

  const int64_t n = static_cast<int64_t>(docs.size()), t = d.seq_len;
  std::vector<std::string> texts;
  texts.reserve(docs.size());
  for (const auto& doc : docs) texts.push_back(doc.text);
  // int16 in memory: bytes and kPadToken fit, at a quarter of int64's size; token ids need int32.
  torch::Tensor x = encode_documents(texts, d).to(d.tokenizer == "bytes" ? torch::kInt16 : torch::kInt32);
  torch::Tensor y = torch::empty({n}, torch::kLong);
  auto ya = y.accessor<int64_t, 1>();
  size_t invalid = 0, empty = 0;
  std::vector<std::vector<int64_t>> members(classes.size());
  for (int64_t i = 0; i < n; ++i) {
    const auto& text = docs[i].text;
    invalid += count_invalid_utf8(text, static_cast<int64_t>(text.size()) == document_bytes(d));
    empty += text.empty();
    ya[i] = std::lower_bound(classes.begin(), classes.end(), docs[i].label) - classes.begin();
    members[ya[i]].push_back(i);
  }

  // Stratified: each class is shuffled (seeded) and cut in the same proportions.
  const int64_t seed = d.seed >= 0 ? d.seed : cfg.train.seed;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed) * 15485863ULL + 11);
  std::vector<int64_t> parts[3];
  for (const auto& m : members) {
    const int64_t k = static_cast<int64_t>(m.size());
    auto perm = torch::randperm(k, gen, torch::kLong);
    auto pa = perm.accessor<int64_t, 1>();
    const int64_t n_test = std::llround(k * d.test_fraction), n_val = std::llround(k * d.val_fraction);
    for (int64_t j = 0; j < k; ++j) {
      const int part = j < n_test ? 2 : j < n_test + n_val ? 1 : 0;
      parts[part].push_back(m[pa[j]]);
    }
  }
  std::vector<torch::Tensor> xs, ys;
  for (auto& p : parts) {
    std::sort(p.begin(), p.end());
    auto idx = torch::tensor(p, torch::kLong);
    xs.push_back(x.index_select(0, idx));
    ys.push_back(y.index_select(0, idx));
  }
  if (xs[0].size(0) == 0)
    throw UserError(cfg.where("data.val_fraction") + ": no documents left for training");

  std::ostringstream origin;
  origin << "(" << n << " documents from " << (d.csv.empty() ? d.root : d.csv);
  if (empty) origin << ", " << empty << " empty";
  if (invalid) origin << ", " << invalid << " invalid UTF-8 sequences kept as bytes";
  origin << ")";
  return std::make_shared<TextClassificationDataset>(xs, ys, classes, t, d.strip_headers, origin.str(),
                                                     d.tokenizer == "bytes" ? "bytes" : "tokens");
}

}  // namespace lpa
