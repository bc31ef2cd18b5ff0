#include "lpa/cli/load_run.h"

#include "lpa/config/load.h"
#include "lpa/data/registry.h"
#include "lpa/errors.h"
#include "lpa/models/registry.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/device.h"

namespace lpa::cli {

ModelPtr build_model(const ExperimentConfig& cfg, const DataSpec& spec) {
  torch::manual_seed(static_cast<uint64_t>(cfg.train.seed));
  return make_model(cfg, spec);
}

LoadedRun load_trained_run(const std::string& path, const std::string& device_override) {
  LoadedRun r;
  r.dir = open_run_dir(path);
  r.cfg = load_config(r.dir.config());
  configure_threads(r.cfg.train.threads);
  r.device = resolve_device(device_override.empty() ? r.cfg.train.device : device_override);
  if (list_checkpoints(r.dir.checkpoints()).empty())
    throw UserError(path + ": no checkpoint in " + r.dir.checkpoints() + " (was training run?)");
  r.data = make_dataset(r.cfg);
  r.model = build_model(r.cfg, r.data->spec());
  load_latest_checkpoint(r.dir.checkpoints(), *r.model, nullptr, &r.checkpoint);
  r.model->to(r.device);
  r.model->eval();
  return r;
}

}  // namespace lpa::cli
