#include "lpa/cli/load_language_model.h"

#include "lpa/cli/load_run.h"
#include "lpa/config/load.h"
#include "lpa/config/pretrained_defaults.h"
#include "lpa/data/text_dataset.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/io/run_dir.h"
#include "lpa/models/hf_checkpoint.h"
#include "lpa/train/checkpoint.h"

namespace lpa::cli {

LanguageModel load_language_model(const std::string& run_dir, const std::string& folder, const std::string& command) {
  if (run_dir.empty() == folder.empty()) throw UserError(command + ": give exactly one of --run DIR or --model DIR");
  LanguageModel m;
  ModelPtr model;
  if (!run_dir.empty()) {
    const RunDir dir = open_run_dir(run_dir);
    m.cfg = load_config(dir.config());
    if (m.cfg.data.type != "text")
      throw UserError(run_dir + ": " + command + " needs a language-model run (data.type: text), this one has "
                      "data.type: " + m.cfg.data.type);
    if (list_checkpoints(dir.checkpoints()).empty())
      throw UserError(run_dir + ": no checkpoint in " + dir.checkpoints() + " (was training run?)");
    // The corpus is not needed: a language model's data spec follows from the config alone.
    model = build_model(m.cfg, text_lm_spec(m.cfg));
    load_latest_checkpoint(dir.checkpoints(), *model, nullptr, &m.source);
  } else {
    if (!dir_exists(folder) || !is_hf_checkpoint(folder))
      throw UserError(command + " --model " + folder + ": not a Hugging Face-layout folder (config.json with a model_type)");
    m.cfg = pretrained_lm_config(folder);
    model = build_model(m.cfg, text_lm_spec(m.cfg));
    m.source = folder;
  }
  m.model = std::dynamic_pointer_cast<Transformer>(model);
  if (!m.model) throw UserError((run_dir.empty() ? folder : run_dir) + ": " + command + " needs model.type: transformer");
  m.model->eval();
  if (m.cfg.data.tokenizer != "bytes") m.tokenizer = load_tokenizer(m.cfg.data.tokenizer);
  return m;
}

}  // namespace lpa::cli
