// Choosing the next token from logits: temperature, top-k and nucleus (top-p) filtering, drawn
// from an explicit generator so a seed fixes the sample.
#pragma once
#include <torch/torch.h>

namespace lpa {

struct SamplingOptions {
  double temperature = 1.0;  // 0 = greedy (argmax)
  int64_t top_k = 0;         // keep the k most likely tokens; 0 = all
  double top_p = 1.0;        // keep the smallest set holding this much probability; 1 = all
};

// Logits [B, V] -> token ids [B] (int64, CPU). Throws UserError for options out of range.
torch::Tensor sample_next(const torch::Tensor& logits, const SamplingOptions& options,
                          at::Generator& generator);

// The distribution sample_next draws from (temperature > 0): float32 [B, V] on the CPU,
// tokens filtered out by top-k / top-p at 0. Speculative sampling compares two of them.
torch::Tensor next_token_probabilities(const torch::Tensor& logits, const SamplingOptions& options);

}  // namespace lpa
