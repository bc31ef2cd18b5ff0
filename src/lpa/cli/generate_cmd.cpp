// lpa generate: sample text from a trained language-model run at any depth. The text goes to
// stdout (invalid UTF-8 as U+FFFD, control bytes as visible symbols); what ran and how fast
// goes to stderr.
#include <cstdio>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/load_run.h"
#include "lpa/config/load.h"
#include "lpa/data/text_dataset.h"
#include "lpa/errors.h"
#include "lpa/generate/generator.h"
#include "lpa/generate/speculative.h"
#include "lpa/io/run_dir.h"
#include "lpa/io/utf8.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/device.h"

namespace lpa::cli {

int run_generate(const GenerateOptions& o) {
  const RunDir dir = open_run_dir(o.run_dir);
  const ExperimentConfig cfg = load_config(dir.config());
  if (cfg.data.type != "text")
    throw UserError(o.run_dir + ": generate needs a language-model run (data.type: text), this one has "
                    "data.type: " + cfg.data.type);
  configure_threads(cfg.train.threads);
  const torch::Device device = resolve_device(o.device.empty() ? cfg.train.device : o.device);
  if (list_checkpoints(dir.checkpoints()).empty())
    throw UserError(o.run_dir + ": no checkpoint in " + dir.checkpoints() + " (was training run?)");
  // The corpus is not needed: a byte-level LM's data spec follows from the config alone.
  ModelPtr model = build_model(cfg, text_lm_spec(cfg));
  std::string checkpoint;
  load_latest_checkpoint(dir.checkpoints(), *model, nullptr, &checkpoint);
  model->to(device);
  auto* lm = dynamic_cast<Transformer*>(model.get());
  if (!lm) throw UserError(o.run_dir + ": generate needs model.type: transformer");
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
               g.use_cache ? ", KV cache" : ", no cache", r.stopped ? ", stopped at the stop string" : "",
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
