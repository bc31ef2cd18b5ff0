#include "lpa/generate/speculative.h"

#include <algorithm>
#include <chrono>

#include "lpa/errors.h"

namespace lpa {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

GenerationResult generate_speculative(Transformer& model, const std::string& prompt, const GenerationOptions& o,
                                      const SpeculativeOptions& sp, torch::Device device) {
  if (o.max_tokens < 0) throw UserError("--max-tokens must be >= 0");
  if (!model.language_model()) throw UserError("self-speculative decoding needs a language model");
  const int64_t n = model.depth(), e = sp.draft_depth;
  if (o.depth != 0 && o.depth != n)
    throw UserError("--draft-depth: the verifier is the full model; --depth " + std::to_string(o.depth) +
                    " does not apply (the model has " + std::to_string(n) + " blocks)");
  if (e < 1 || e >= n)
    throw UserError("--draft-depth must be in 1.." + std::to_string(n - 1) + " (below the full depth " +
                    std::to_string(n) + "), got " + std::to_string(e));
  if (sp.draft_tokens < 1) throw UserError("--draft-tokens must be >= 1, got " + std::to_string(sp.draft_tokens));
  if (!o.use_cache) throw UserError("--draft-depth needs the KV cache (--no-cache does not apply)");
  const bool greedy = o.sampling.temperature == 0;
  // Checks the sampling options once, before any work.
  if (!greedy) next_token_probabilities(torch::zeros({1, 2}), o.sampling);

  Decoding d(model, prompt, o.tokenizer);
  std::vector<int64_t>& ids = d.ids;
  GenerationResult& r = d.result;
  const int64_t window = model.context_length();
  auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  const auto longs = torch::TensorOptions().dtype(torch::kLong).device(device);

  // Invariant: every block's cache holds the window's tokens up to, not including, the last
  // one; ids.back() is read by the next draft step. Positions count from the window's start.
  KvCache cache;
  int64_t cached = 0;
  auto read_window = [&](int64_t keep) {
    cache = KvCache();
    cache.k.assign(n, torch::Tensor());
    cache.v.assign(n, torch::Tensor());
    const int64_t size = static_cast<int64_t>(ids.size());
    const int64_t from = std::max<int64_t>(0, size - keep);
    cached = size - 1 - from;
    if (cached > 0) {
      std::vector<int64_t> slice(ids.begin() + from, ids.end() - 1);
      torch::Tensor tokens = torch::tensor(slice, torch::kLong).view({1, -1}).to(device);
      model.decode_blocks(model.embed_tokens(tokens, 0), 1, n, cache, 0);
    }
  };

  auto t0 = Clock::now();
  read_window(window);
  r.prefill_seconds = seconds_since(t0);
  t0 = Clock::now();
  // Appends a token; false when generation is over (max tokens, or the stop string).
  auto commit = [&](int64_t token) { return !d.append(token, o.stop) && r.tokens < o.max_tokens; };
  bool going = o.max_tokens > 0;
  while (going) {
    // The context of every token is the one plain decoding gives it (generator.cpp): a full
    // window is re-read from its last half before the pending token is read, and a draft
    // never runs past the window's end.
    if (cached >= window) {
      ++r.refills;
      read_window(std::max<int64_t>(1, window / 2));
    }
    // The verifier adds one token of its own: draft no more than what is left after it.
    const int64_t k = std::min({sp.draft_tokens, o.max_tokens - r.tokens - 1, window - 1 - cached});
    const int64_t offset = cached;
    // Draft: the pending token and k drafts through blocks 1..E; the last draft's depth-E state
    // is computed too, so the verifier can give a token after it.
    std::vector<torch::Tensor> states, q_probs;
    std::vector<int64_t> drafts;
    int64_t input = ids.back();
    for (int64_t i = 0; i <= k; ++i) {
      torch::Tensor h = model.embed_tokens(torch::full({1, 1}, input, longs), offset + i);
      h = model.decode_blocks(h, 1, e, cache, offset + i);
      states.push_back(h);
      if (i == k) break;
      const torch::Tensor logits = model.head(e, h).select(1, -1);
      if (greedy) {
        input = logits.argmax(1).item<int64_t>();
      } else {
        q_probs.push_back(next_token_probabilities(logits, o.sampling));
        input = torch::multinomial(q_probs.back(), 1, false, gen).item<int64_t>();
      }
      drafts.push_back(input);
    }
    // Verify: blocks E+1..N over the k+1 depth-E states in one pass.
    const torch::Tensor deep = model.decode_blocks(torch::cat(states, 1), e + 1, n, cache, offset);
    const torch::Tensor full_logits = model.head(n, deep).select(0, 0).to(torch::kCPU);  // [k+1, V]
    int64_t accepted = 0, next = -1;
    for (int64_t i = 0; i < k && next < 0; ++i) {
      const torch::Tensor logits = full_logits.narrow(0, i, 1);
      if (greedy) {
        const int64_t target = logits.argmax(1).item<int64_t>();
        if (target == drafts[i]) ++accepted;
        else next = target;
        continue;
      }
      const torch::Tensor p = next_token_probabilities(logits, o.sampling).squeeze(0);
      const torch::Tensor q = q_probs[i].squeeze(0);
      const double px = p[drafts[i]].item<double>(), qx = q[drafts[i]].item<double>();
      const double u = torch::rand({1}, gen, torch::kDouble).item<double>();
      if (u * qx < px) {
        ++accepted;
        continue;
      }
      torch::Tensor residual = (p - q).clamp_min(0);
      const double mass = residual.sum().item<double>();
      // p == q up to rounding: the residual is empty, and p itself is the right law.
      residual = mass > 0 ? residual / mass : p;
      next = torch::multinomial(residual.unsqueeze(0), 1, false, gen).item<int64_t>();
    }
    if (next < 0) {
      const torch::Tensor logits = full_logits.narrow(0, k, 1);
      next = greedy ? logits.argmax(1).item<int64_t>()
                    : torch::multinomial(next_token_probabilities(logits, o.sampling), 1, false, gen).item<int64_t>();
    }
    r.drafted += k;
    r.accepted += accepted;
    ++r.verify_passes;
    for (int64_t i = 0; i < accepted && going; ++i) going = commit(drafts[i]);
    if (going) going = commit(next);
    // Positions read from the pending token and the accepted drafts stay; the rest go.
    cached = offset + accepted + 1;
    truncate_kv_cache(cache, cached);
  }
  r.decode_seconds = seconds_since(t0);
  return r;
}

}  // namespace lpa
