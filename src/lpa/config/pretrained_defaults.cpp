#include "lpa/config/pretrained_defaults.h"

#include <filesystem>

#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/io/json.h"

namespace lpa {

bool has_tokenizer_files(const std::string& dir) {
  namespace fs = std::filesystem;
  for (const char* f : {"tokenizer.json", "vocab.json", "encoder.json"})
    if (fs::is_regular_file(fs::path(dir) / f)) return true;
  return false;
}

void apply_pretrained_defaults(ExperimentConfig& cfg) {
  const std::string& dir = cfg.model.pretrained;
  // Other families refuse the key (ignored_keys) rather than look for the folder.
  if (dir.empty() || cfg.model.type != "transformer") return;
  namespace fs = std::filesystem;
  const std::string where = cfg.where("model.pretrained");
  const fs::path config = fs::path(dir) / "config.json";
  if (!fs::is_directory(dir)) throw UserError(where + ": " + dir + ": no such folder");
  if (!fs::is_regular_file(config))
    throw UserError(where + ": " + dir + " has no config.json (a Hugging Face-layout checkpoint folder)");
  const Json j = read_json_file(config.string());
  int64_t layers = 0;
  for (const char* key : {"n_layer", "num_hidden_layers"})
    if (j.is_object() && j.contains(key) && j[key].is_number_integer()) layers = j[key].get<int64_t>();
  if (layers < 1) throw UserError(config.string() + ": no layer count (n_layer or num_hidden_layers)");
  if (!cfg.key_lines.count("model.depth")) cfg.model.depth = layers;
  else if (cfg.model.depth > layers)
    throw UserError(cfg.where("model.depth") + ": " + std::to_string(cfg.model.depth) + " exceeds the " +
                    std::to_string(layers) + " layers of " + dir);
  if (!cfg.key_lines.count("data.tokenizer")) {
    if (!has_tokenizer_files(dir))
      throw UserError(where + ": " + dir + " has no tokenizer files (tokenizer.json, or vocab.json + merges.txt): "
                      "set data.tokenizer to a folder with them, or to bytes");
    cfg.data.tokenizer = dir;
  }
}

ExperimentConfig pretrained_lm_config(const std::string& dir) {
  ExperimentConfig cfg;
  cfg.source = dir;
  cfg.model.type = "transformer";
  cfg.model.pretrained = dir;
  cfg.data.type = "text";
  if (!has_tokenizer_files(dir)) {
    cfg.data.tokenizer = "bytes";
    cfg.key_lines["data.tokenizer"] = 0;
  }
  apply_pretrained_defaults(cfg);
  return cfg;
}

}  // namespace lpa
