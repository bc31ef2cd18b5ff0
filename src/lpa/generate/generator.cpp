#include "lpa/generate/generator.h"

#include <chrono>

#include "lpa/errors.h"

namespace lpa {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

torch::Tensor as_tokens(const std::vector<int64_t>& ids, int64_t from, torch::Device device) {
  std::vector<int64_t> slice(ids.begin() + from, ids.end());
  return torch::tensor(slice, torch::kLong).view({1, -1}).to(device);
}

}  // namespace

Decoding::Decoding(Transformer& model, const std::string& prompt, const Tokenizer* tokenizer)
    : model_(model), tokenizer_(tokenizer), was_training_(model.is_training()) {
  if (prompt.empty()) throw UserError("--prompt must not be empty");
  if (tokenizer_) ids = tokenizer_->encode(prompt);
  else
    for (unsigned char c : prompt) ids.push_back(c);
  if (ids.empty()) throw UserError("--prompt encodes to no tokens");
  result.prompt_tokens = static_cast<int64_t>(ids.size());
  model_.eval();
}

Decoding::~Decoding() { model_.train(was_training_); }

bool Decoding::append(int64_t token, const std::string& stop) {
  std::string& text = result.text;
  if (tokenizer_ && tokenizer_->eos_id() && token == *tokenizer_->eos_id()) {
    result.stopped = true;
    return true;
  }
  ids.push_back(token);
  ++result.tokens;
  if (!tokenizer_) {
    text += static_cast<char>(token);
    if (stop.empty() || text.size() < stop.size() || text.compare(text.size() - stop.size(), stop.size(), stop) != 0)
      return false;
    text.resize(text.size() - stop.size());
    result.stopped = true;
    return true;
  }
  // A token may end inside a character, and a stop string inside a token: decode the whole
  // output each time and look for the stop string anywhere in what is new.
  generated_.push_back(token);
  const size_t before = text.size();
  text = tokenizer_->decode(generated_);
  if (stop.empty()) return false;
  const size_t at = text.find(stop, before >= stop.size() ? before - stop.size() : 0);
  if (at == std::string::npos) return false;
  text.resize(at);
  result.stopped = true;
  return true;
}

GenerationResult generate(Transformer& model, const std::string& prompt, const GenerationOptions& o,
                          torch::Device device) {
  if (o.max_tokens < 0) throw UserError("--max-tokens must be >= 0");
  const int64_t depth = o.depth > 0 ? o.depth : model.depth();
  model.check_depth(depth);
  Decoding d(model, prompt, o.tokenizer);
  std::vector<int64_t>& ids = d.ids;
  GenerationResult& r = d.result;
  const int64_t window = model.context_length();
  auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);

  KvCache cache;
  // Logits for the token after `ids`: a fresh pass over the last `keep` tokens.
  auto read_window = [&](int64_t keep) {
    cache = KvCache();
    const int64_t from = std::max<int64_t>(0, static_cast<int64_t>(ids.size()) - keep);
    if (!o.use_cache) return model.forward(as_tokens(ids, from, device), depth).select(1, -1);
    return model.decode(as_tokens(ids, from, device), depth, cache).select(1, -1);
  };

  auto t0 = Clock::now();
  torch::Tensor logits = read_window(window);
  r.prefill_seconds = seconds_since(t0);
  t0 = Clock::now();
  for (int64_t i = 0; i < o.max_tokens; ++i) {
    const int64_t next = sample_next(logits, o.sampling, gen)[0].item<int64_t>();
    if (d.append(next, o.stop) || i + 1 == o.max_tokens) break;
    if (!o.use_cache) {
      logits = read_window(window);
    } else if (cache.length >= window) {
      ++r.refills;
      logits = read_window(std::max<int64_t>(1, window / 2));
    } else {
      logits = model.decode(torch::full({1, 1}, next, torch::TensorOptions().dtype(torch::kLong).device(device)),
                            depth, cache).select(1, -1);
    }
  }
  r.decode_seconds = seconds_since(t0);
  return r;
}

}  // namespace lpa
