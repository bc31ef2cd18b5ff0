// `lpa eval --model DIR` for a Hugging Face-layout folder that lpa export --format hf wrote: the
// folder's model (every layer it has) on its source run's data, beside the metrics recorded at
// export, so a user can check that what the folder holds is what the run exported.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/load_run.h"
#include "lpa/config/load.h"
#include "lpa/config/pretrained_defaults.h"
#include "lpa/data/registry.h"
#include "lpa/errors.h"
#include "lpa/eval/per_depth.h"
#include "lpa/export/export_info.h"
#include "lpa/io/files.h"
#include "lpa/train/device.h"

namespace lpa::cli {

int run_eval_hf_folder(const EvalOptions& o) {
  namespace fs = std::filesystem;
  if (!o.early_exit.empty()) throw UserError("eval: --early-exit needs --run DIR (all depths), not --model");
  if (o.depths != "all") throw UserError("eval: --depths does not apply to --model (an export has one depth)");
  const std::string config_file = (fs::path(o.model) / "lpa_config.yaml").string();
  const std::string info_file = (fs::path(o.model) / "lpa_export.yaml").string();
  if (!fs::is_regular_file(config_file) || !fs::is_regular_file(info_file))
    throw UserError("eval --model " + o.model + ": a Hugging Face folder is evaluated on the data of the run it was "
                    "exported from (lpa_config.yaml and lpa_export.yaml, which lpa export --format hf writes); "
                    "this one has neither");
  const ExportInfo info = parse_export_info(read_file(info_file), info_file);
  // The run's config with the folder as its checkpoint: the data the run evaluated, the
  // folder's weights and tokenizer.
  const std::string folder = fs::absolute(o.model).lexically_normal().string();
  std::vector<std::string> overrides = {"model.pretrained=" + folder, "model.depth=" + std::to_string(info.depth)};
  if (has_tokenizer_files(folder)) overrides.push_back("data.tokenizer=" + folder);
  ExperimentConfig cfg = load_config(config_file, overrides);
  const Split split = parse_split(o.split);
  const torch::Device device = resolve_device(o.device.empty() ? "cpu" : o.device);
  configure_threads(cfg.train.threads);
  DatasetPtr data = make_dataset(cfg);
  ModelPtr model = build_model(cfg, data->spec());
  model->to(device);
  lpa::EvalOptions eo;
  eo.batch_size = o.batch_size > 0 ? o.batch_size : cfg.eval.batch_size;
  eo.device = device;
  const DepthResult r = evaluate_per_depth(*model, *data, split, {model->depth()}, eo).at(0);

  std::cout << "export: " << o.model << " (hf, " << info.model_kind << " at depth " << info.depth << " of "
            << info.full_depth << ", " << model->params_at_depth(model->depth()) << " params)\n";
  std::cout << "metrics on the " << to_string(split) << " split:\n";
  std::cout << metrics_beside_recorded(r.metrics, info, to_string(split));
  return 0;
}

}  // namespace lpa::cli
