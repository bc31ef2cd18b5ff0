// lpa generate: sample text at any depth from a trained language-model run or a Hugging
// Face-layout folder. The text goes to stdout (invalid UTF-8 as U+FFFD, control bytes as
// visible symbols); what ran and how fast goes to stderr.
#include <cstdio>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/load_language_model.h"
#include "lpa/errors.h"
#include "lpa/generate/generator.h"
#include "lpa/generate/speculative.h"
#include "lpa/io/utf8.h"
#include "lpa/train/device.h"

namespace lpa::cli {

int run_generate(const GenerateOptions& o) {
  LanguageModel m = load_language_model(o.run_dir, o.model, "generate");
  const ExperimentConfig& cfg = m.cfg;
  configure_threads(cfg.train.threads);
  const torch::Device device = resolve_device(o.device.empty() ? cfg.train.device : o.device);
  const std::string& checkpoint = m.source;
  m.model->to(device);
  Transformer* lm = m.model.get();
  if (o.draft_depth > 0 && o.depth > 0 && o.depth != lm->depth())
    throw UserError("generate: --draft-depth verifies with the full model; drop --depth " + std::to_string(o.depth));
  const int64_t depth = o.depth > 0 ? o.depth : lm->depth();
  lm->check_depth(depth);

  GenerationOptions g;
  g.depth = depth;
  g.max_tokens = o.max_tokens;
  g.sampling = {o.temperature, o.top_k, o.top_p};
  g.seed = o.seed;
  g.stop = o.stop;
  g.use_cache = !o.no_cache;
  g.tokenizer = m.tokenizer.get();
  if (o.draft_depth > 0) g.depth = 0;
  GenerationResult r = o.draft_depth > 0
                           ? generate_speculative(*lm, o.prompt, g, {o.draft_depth, o.draft_tokens}, device)
                           : generate(*lm, o.prompt, g, device);

  std::cout << printable_utf8(o.prompt + r.text) << std::endl;
  std::fprintf(stderr,
               "depth %lld of %lld (%s), prompt %lld tokens read in %.3f s; generated %lld tokens in "
               "%.3f s: %.1f tokens/s%s%s%s\n",
               static_cast<long long>(depth), static_cast<long long>(lm->depth()), checkpoint.c_str(),
               static_cast<long long>(r.prompt_tokens), r.prefill_seconds,
               static_cast<long long>(r.tokens), r.decode_seconds, r.tokens_per_second(),
               g.use_cache ? ", KV cache" : ", no cache", r.stopped ? ", stopped at the stop string or end of text" : "",
               r.refills ? (", context window re-read " + std::to_string(r.refills) + "x").c_str() : "");
  if (o.draft_depth > 0)
    std::fprintf(stderr,
                 "self-speculative: drafts from depth %lld, %lld per step; %lld of %lld drafts accepted "
                 "(acceptance rate %.3f)\n",
                 static_cast<long long>(o.draft_depth), static_cast<long long>(o.draft_tokens),
                 static_cast<long long>(r.accepted), static_cast<long long>(r.drafted), r.acceptance_rate());
  return 0;
}

}  // namespace lpa::cli
