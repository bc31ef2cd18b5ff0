#include "lpa/models/pretrained_transformer.h"

#include "lpa/errors.h"
#include "lpa/models/hf_checkpoint.h"
#include "lpa/models/hf_tensor_names.h"
#include "lpa/models/transformer.h"

namespace lpa {

ModelPtr make_pretrained_transformer(const ExperimentConfig& cfg, const DataSpec& spec) {
  HfCheckpoint ck = read_hf_config(cfg.model.pretrained);
  // The config's depth is the checkpoint's layer count or fewer (config/pretrained_defaults.h).
  if (cfg.model.depth > ck.arch.depth)
    throw UserError(cfg.where("model.depth") + ": " + std::to_string(cfg.model.depth) + " exceeds the " +
                    std::to_string(ck.arch.depth) + " layers of " + cfg.model.pretrained);
  ck.arch.depth = cfg.model.depth;
  ck.arch.block.dropout = cfg.model.dropout;
  auto model = std::make_shared<Transformer>(cfg.model, spec, ck.arch);
  load_hf_tensors(*model, ck.model_type, read_hf_tensors(ck.dir), ck.dir);
  return model;
}

}  // namespace lpa
