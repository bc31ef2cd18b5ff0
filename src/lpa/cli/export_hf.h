// lpa export --format hf: a model started from model.pretrained, truncated at depth k, as a
// Hugging Face-layout folder the user's own library loads (config.json with the layer count
// set to k, model.safetensors under the checkpoint's tensor names and dtype, the tokenizer
// files copied), plus lpa_export.yaml describing what was exported and lpa_config.yaml, the
// run's config (lpa eval --model DIR evaluates the folder on the run's data with it).
#pragma once
#include <string>

#include "lpa/config/config.h"
#include "lpa/models/depthwise_model.h"

namespace lpa::cli {

// UserError: the model did not start from a checkpoint, or `dir` exists and is not empty (an
// export never overwrites files).
void write_hf_export(DepthwiseModel& model, const ExperimentConfig& cfg, int64_t depth, const std::string& dir,
                     const std::string& info_yaml, const std::string& config_yaml);

}  // namespace lpa::cli
