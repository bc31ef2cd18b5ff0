#include "lpa/generate/sampling.h"

#include <limits>

#include "lpa/errors.h"

namespace lpa {

namespace {

void check(const SamplingOptions& o) {
  if (o.temperature < 0) throw UserError("--temperature must be >= 0");
  if (o.top_k < 0) throw UserError("--top-k must be >= 0");
  if (!(o.top_p > 0 && o.top_p <= 1)) throw UserError("--top-p must be in (0, 1]");
}

}  // namespace

torch::Tensor sample_next(const torch::Tensor& logits, const SamplingOptions& o, at::Generator& gen) {
  check(o);
  if (o.temperature == 0) return logits.detach().to(torch::kCPU, torch::kFloat32).argmax(1);
  return torch::multinomial(next_token_probabilities(logits, o), 1, false, gen).squeeze(1);
}

torch::Tensor next_token_probabilities(const torch::Tensor& logits, const SamplingOptions& o) {
  check(o);
  if (o.temperature == 0) throw std::logic_error("next_token_probabilities: greedy decoding has no distribution");
  torch::Tensor l = logits.detach().to(torch::kCPU, torch::kFloat32) / o.temperature;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  const int64_t v = l.size(1);
  if (o.top_k > 0 && o.top_k < v) {
    torch::Tensor kth = std::get<0>(l.topk(o.top_k, 1)).narrow(1, o.top_k - 1, 1);
    l = l.masked_fill(l < kth, neg_inf);
  }
  if (o.top_p < 1) {
    auto sorted = l.sort(1, /*descending=*/true);
    torch::Tensor probs = torch::softmax(std::get<0>(sorted), 1);
    // Drop a token when the tokens ranked above it already hold top_p; the first always stays.
    torch::Tensor drop_sorted = (probs.cumsum(1) - probs) >= o.top_p;
    torch::Tensor drop = torch::zeros_like(drop_sorted).scatter(1, std::get<1>(sorted), drop_sorted);
    l = l.masked_fill(drop, neg_inf);
  }
  return torch::softmax(l, 1);
}

}  // namespace lpa
