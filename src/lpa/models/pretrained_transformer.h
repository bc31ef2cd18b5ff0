// model.pretrained: a Transformer built from a Hugging Face checkpoint folder and its weights
// (models/hf_checkpoint.h). A language model keeps the checkpoint's head; a classifier gets a
// new pooled head on the pretrained body.
#pragma once
#include "lpa/config/config.h"
#include "lpa/data/dataset.h"
#include "lpa/models/depthwise_model.h"

namespace lpa {

// The first model.depth layers are the depths (config/pretrained_defaults.h sets it to every
// layer unless the config keeps fewer).
ModelPtr make_pretrained_transformer(const ExperimentConfig& cfg, const DataSpec& spec);

}  // namespace lpa
