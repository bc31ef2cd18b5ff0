// model.pretrained fixes part of the config: the depth is the checkpoint's layer count (unless
// the config keeps fewer layers) and the tokenizer is the checkpoint's own (unless
// data.tokenizer is set). Written into the config when it is read, so that a run's config.yaml
// says what the run used and loads back the same.
#pragma once
#include "lpa/config/config.h"

namespace lpa {

// No-op without model.pretrained. UserError naming the key: the folder or its config.json is
// missing or has no layer count, model.depth exceeds it, or no tokenizer is given and the folder
// has no tokenizer files.
void apply_pretrained_defaults(ExperimentConfig& cfg);

// True when `dir` holds a tokenizer lpa reads (tokenizer.json, or GPT-2's vocab.json /
// encoder.json): a checkpoint's folder is then its own data.tokenizer.
bool has_tokenizer_files(const std::string& dir);

// The config of a language model read straight from a Hugging Face-layout folder (lpa generate
// --model DIR): model.pretrained = DIR, data.type text, the folder's tokenizer (bytes when it
// has none), every other key at its default.
ExperimentConfig pretrained_lm_config(const std::string& dir);

}  // namespace lpa
