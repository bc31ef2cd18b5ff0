// A language model to decode from or score with, without reading its corpus: a run's latest
// checkpoint (lpa generate / predict --run), or a Hugging Face-layout folder (--model DIR: a
// checkpoint, or what lpa export --format hf wrote), with the tokenizer its text goes through.
#pragma once
#include <memory>
#include <string>

#include "lpa/config/config.h"
#include "lpa/models/transformer.h"
#include "lpa/text/tokenizer.h"

namespace lpa::cli {

struct LanguageModel {
  ExperimentConfig cfg;
  std::shared_ptr<Transformer> model;  // on the CPU, in eval mode
  std::unique_ptr<Tokenizer> tokenizer;  // nullptr: bytes
  std::string source;                    // the checkpoint file, or the folder
};

// Exactly one of run_dir and folder is non-empty (UserError naming `command` otherwise).
// UserError: not a language-model run, no checkpoint, not a Hugging Face folder.
LanguageModel load_language_model(const std::string& run_dir, const std::string& folder, const std::string& command);

}  // namespace lpa::cli
