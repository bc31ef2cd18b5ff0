// Self-speculative decoding (LayerSkip, Elhoushi et al. 2024) with one LPA-trained language
// model: blocks 1..E and the shared head draft d tokens; blocks E+1..N check them in one pass
// over the draft's own depth-E hidden states, so blocks 1..E never run twice; the output is the
// full model's. One KV cache serves both: its first E blocks run ahead while drafting, and
// both parts drop the positions of rejected drafts.
//   greedy (temperature 0): accept drafts while they equal the full model's argmax, then take
//     the full model's token -- the output is full-depth greedy decoding's;
//   sampling: accept draft x ~ q with probability min(1, p(x)/q(x)), else draw from
//     norm(max(0, p - q)) (Leviathan et al. 2023; Chen et al. 2023), so every token is
//     distributed as the full model's p (with the same temperature / top-k / top-p).
#pragma once
#include "lpa/generate/generator.h"

namespace lpa {

struct SpeculativeOptions {
  int64_t draft_depth = 0;   // E, 1..N-1
  int64_t draft_tokens = 4;  // d >= 1
};

// options.depth must be 0 or the full depth (the verifier is the full model). The result's
// drafted / accepted count the draft tokens proposed and kept. UserError for E or d out of range.
GenerationResult generate_speculative(Transformer& model, const std::string& prompt, const GenerationOptions& options,
                                      const SpeculativeOptions& speculative, torch::Device device);

}  // namespace lpa
