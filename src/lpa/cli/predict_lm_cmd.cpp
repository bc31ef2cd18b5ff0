// `lpa predict` for a language model (a run, or a Hugging Face-layout folder with --model DIR):
// what a language model predicts about a document is each next token; a row per document
// gives how well — its tokens, mean negative log-likelihood (nats per token) and perplexity at
// the chosen depth. Documents longer than the model's context are scored window by window.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "lpa/cli/commands.h"
#include "lpa/cli/load_language_model.h"
#include "lpa/data/text_files.h"
#include "lpa/errors.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/files.h"
#include "lpa/train/device.h"

namespace lpa::cli {

namespace {

struct Document {
  std::string name, text;
};

std::vector<Document> read_documents(const std::string& path, const ExperimentConfig& cfg) {
  std::vector<Document> docs;
  if (dir_exists(path)) {
    for (const auto& f : files_in_folder(path, cfg.data.extensions))
      docs.push_back({std::filesystem::relative(f, path).string(), read_bytes(f)});
  } else {
    std::istringstream lines(read_bytes(path));
    std::string line;
    for (int64_t k = 1; std::getline(lines, line); ++k) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      docs.push_back({"line " + std::to_string(k), line});
    }
  }
  if (docs.empty()) throw UserError(path + ": no documents to score");
  return docs;
}

// Sum of -log p(token | the tokens before it) over ids[1..], in windows of at most `context`
// tokens (each window's first token is context only).
std::pair<double, int64_t> negative_log_likelihood(Transformer& model, const std::vector<int64_t>& ids, int64_t depth,
                                                   int64_t context, const torch::Device& device) {
  double sum = 0;
  int64_t count = 0;
  torch::NoGradGuard g;
  for (size_t start = 0; start + 1 < ids.size(); start += static_cast<size_t>(context - 1)) {
    const size_t end = std::min(ids.size(), start + static_cast<size_t>(context));
    std::vector<int64_t> window(ids.begin() + static_cast<std::ptrdiff_t>(start), ids.begin() + static_cast<std::ptrdiff_t>(end));
    const torch::Tensor t = torch::tensor(window, torch::kLong).view({1, -1}).to(device);
    const int64_t n = t.size(1);
    const torch::Tensor logp = torch::log_softmax(model.forward(t.narrow(1, 0, n - 1), depth).to(torch::kDouble), -1);
    sum -= logp.gather(-1, t.narrow(1, 1, n - 1).unsqueeze(-1)).sum().item<double>();
    count += n - 1;
    if (end == ids.size()) break;
  }
  return {sum, count};
}

}  // namespace

int run_predict_language_model(const PredictOptions& o) {
  if (!o.exit.criterion.empty())
    throw UserError("predict --early-exit: per-sample early exit is for classifiers; a language model's "
                    "shallow exits are used by lpa generate --draft-depth");
  if (!o.labels.empty()) throw UserError("predict --labels: a language model's targets are its own next tokens");
  LanguageModel m = load_language_model(o.run_dir, o.model, "predict");
  configure_threads(m.cfg.train.threads);
  const torch::Device device = resolve_device(o.device.empty() ? (o.model.empty() ? m.cfg.train.device : "cpu") : o.device);
  m.model->to(device);
  const int64_t depth = o.depth > 0 ? o.depth : m.model->depth();
  m.model->check_depth(depth);
  const int64_t context = std::max<int64_t>(2, m.model->context_length());
  const std::vector<Document> docs = read_documents(o.input, m.cfg);

  const std::string tmp = o.output + ".tmp";
  const std::string dir = parent_dir(o.output);
  if (!dir.empty() && !dir_exists(dir)) make_dirs(dir);
  double total = 0;
  int64_t tokens = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    CsvWriter csv(tmp, {"sample", "tokens", "nll", "perplexity", "depth"});
    for (const auto& d : docs) {
      std::vector<int64_t> ids;
      if (m.tokenizer) ids = m.tokenizer->encode(d.text);
      else
        for (unsigned char c : d.text) ids.push_back(c);
      const auto [sum, count] = negative_log_likelihood(*m.model, ids, depth, context, device);
      const double nll = count > 0 ? sum / static_cast<double>(count) : std::nan("");
      csv.row({d.name, std::to_string(ids.size()), csv_number(nll), csv_number(std::exp(nll)), std::to_string(depth)});
      total += sum;
      tokens += count;
    }
  }
  std::filesystem::rename(tmp, o.output);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double nll = tokens > 0 ? total / static_cast<double>(tokens) : std::nan("");
  char buf[256];
  std::snprintf(buf, sizeof buf, "%zu documents, %lld next tokens scored at depth %lld of %lld: nll %.4f nats/token, "
                "perplexity %.4g (%.2f s)\n", docs.size(), static_cast<long long>(tokens), static_cast<long long>(depth),
                static_cast<long long>(m.model->depth()), nll, std::exp(nll), seconds);
  std::cout << buf << "predictions written to " << o.output << "\n";
  return 0;
}

}  // namespace lpa::cli
