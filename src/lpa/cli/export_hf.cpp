#include "lpa/cli/export_hf.h"

#include <filesystem>

#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/models/hf_checkpoint.h"
#include "lpa/models/hf_tensor_names.h"

namespace lpa::cli {

namespace fs = std::filesystem;

void write_hf_export(DepthwiseModel& model, const ExperimentConfig& cfg, int64_t depth, const std::string& dir,
                     const std::string& info_yaml, const std::string& config_yaml) {
  auto* lm = dynamic_cast<Transformer*>(&model);
  if (!lm || cfg.model.pretrained.empty())
    throw UserError("export --format hf: the run's model must start from model.pretrained (a Hugging Face "
                    "checkpoint); lpa's own models export as torchscript or safetensors");
  if (!lm->language_model())
    throw UserError("export --format hf: writes language models (the checkpoint's LM head); this run is a "
                    "classifier: use --format torchscript or safetensors");
  if (fs::exists(dir) && !(fs::is_directory(dir) && fs::is_empty(dir)))
    throw UserError("export --format hf: " + dir + " exists and is not an empty folder (nothing is overwritten)");
  const HfCheckpoint ck = read_hf_config(cfg.model.pretrained);
  const NamedTensors tensors = hf_tensors(*lm, ck.model_type, depth, ck.dtype);

  // Written beside the target and renamed into place: a failed export leaves no half folder.
  const fs::path target(dir);
  const fs::path tmp = target.parent_path() / (target.filename().string() + ".writing");
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  write_file_atomic((tmp / "config.json").string(), hf_config_at_depth(ck, depth));
  write_safetensors((tmp / "model.safetensors").string(), tensors, {{"format", "pt"}});
  // The tokenizer the run read its text with, and the checkpoint's generation settings.
  const std::vector<std::string> tokenizer_files = {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                                    "vocab.json", "merges.txt", "encoder.json", "vocab.bpe"};
  if (cfg.data.tokenizer != "bytes")
    for (const auto& f : tokenizer_files)
      if (fs::is_regular_file(fs::path(cfg.data.tokenizer) / f)) fs::copy_file(fs::path(cfg.data.tokenizer) / f, tmp / f);
  if (fs::is_regular_file(fs::path(ck.dir) / "generation_config.json"))
    fs::copy_file(fs::path(ck.dir) / "generation_config.json", tmp / "generation_config.json");
  write_file_atomic((tmp / "lpa_export.yaml").string(), info_yaml);
  write_file_atomic((tmp / "lpa_config.yaml").string(), config_yaml);
  if (fs::exists(target)) fs::remove(target);  // empty, checked above
  fs::rename(tmp, target);
}

}  // namespace lpa::cli
