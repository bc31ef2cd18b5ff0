// Checks that involve more than one key; single-key types and ranges live in schema.cpp.
#include <regex>

#include "lpa/config/ignored_keys.h"
#include "lpa/config/load.h"
#include "lpa/config/resnet_layout.h"
#include "lpa/errors.h"

namespace lpa {
namespace {

// A captured step replays the same kernels on the same memory: options that change the step's
// computation from one step to the next, or read a value back to the host inside it, cannot be
// captured. Each is named with what to change.
void validate_cuda_graph(const ExperimentConfig& c) {
  auto refuse = [&](const std::string& key, const std::string& why) {
    throw UserError(c.where("train.cuda_graph") + ": not with " + key + " (" + why + ")");
  };
  const LossSection& l = c.loss;
  if (l.mode == "sequential") refuse("loss.mode: sequential", "each stage trains other blocks");
  if (l.weights == "adaptive") refuse("loss.weights: adaptive", "its averages are read on the host every step");
  if (l.weights == "sdn") refuse("loss.weights: sdn", "the weights change every step");
  if (l.aux_ramp > 0) refuse("loss.aux_ramp", "the weights change every step");
  if (l.layer_drop > 0) refuse("loss.layer_drop", "each step skips other blocks");
  if (l.curriculum != "none") refuse("loss.curriculum: " + l.curriculum, "each step trains other exits");
  if (l.e2e_fraction > 0) refuse("loss.e2e_fraction", "the objective changes mid-run");
  if (c.train.precision == "fp16")
    refuse("train.precision: fp16", "skipping an overflowed step is decided on the host; use bf16");
  if (c.train.activation_checkpointing) refuse("train.activation_checkpointing", "use one or the other");
}

}  // namespace

void validate_config(const ExperimentConfig& c) {
  auto fail = [&](const std::string& key, const std::string& msg) {
    throw UserError(c.where(key) + ": " + msg);
  };
  static const std::regex device_re("^(auto|cpu|cuda(:[0-9]+)?)$");
  if (!std::regex_match(c.train.device, device_re))
    fail("train.device", "'" + c.train.device + "' is not auto, cpu, cuda or cuda:<index>");

  const bool resnet = c.model.type == "resnet";
  if (c.model.head == "per_stage" && !resnet)
    fail("model.head", "per_stage heads exist only for model.type: resnet");
  if (resnet && c.model.preset.empty() && c.model.stages.size() != c.model.widths.size())
    fail("model.widths", "needs one width per stage (" + std::to_string(c.model.stages.size()) +
                             " stages, " + std::to_string(c.model.widths.size()) + " widths)");
  const ResNetLayout layout = resnet_layout(c.model);
  if (resnet && c.model.isotropic && !layout.one_width())
    fail("model.isotropic", "needs one width for every stage (e.g. model.widths: [32, 32, 32]; "
                            "presets use 16, 32, 64)");
  if (resnet && c.model.head == "shared" && !layout.one_width())
    fail("model.head", "a shared head needs one width across stages: use per_stage, per_depth, "
                       "or equal model.widths (model.isotropic: true also drops downsampling)");
  if (resnet && c.data.flatten)
    fail("data.flatten", "a resnet reads images as [C, H, W]: set data.flatten: false");
  if (c.model.type == "transformer" && c.model.width % c.model.heads != 0)
    fail("model.heads", "d_model (model.width = " + std::to_string(c.model.width) +
                            ") must be divisible by the number of heads");
  if (c.model.type == "transformer" && c.model.positions == "rotary" &&
      (c.model.width / c.model.heads) % 2 != 0)
    fail("model.positions", "rotary positions need an even head dimension");

  const bool surface = c.data.type == "surface";
  if (surface && c.model.type != "residual_mlp")
    fail("model.type", "surface data needs model.type: residual_mlp");
  const bool text = c.data.type == "text" || c.data.type == "text_classification";
  if (text && c.model.type != "transformer")
    fail("model.type", c.data.type + " data needs model.type: transformer");
  if (c.model.type == "transformer" && !text)
    fail("data.type", "a transformer reads text or text_classification data");
  if (c.data.type == "text" && c.model.type == "transformer" && !c.model.causal)
    fail("model.causal", "a language model (data.type: text) needs causal attention");
  if (c.data.type == "text_classification" && c.data.tokenizer != "bytes" && c.model.pretrained.empty())
    fail("data.tokenizer", "lpa's own text classifier reads bytes; a tokenizer needs model.pretrained (a "
                           "checkpoint whose vocabulary it is)");
  if (c.model.type == "resnet" && (surface || text))
    fail("model.type", "a resnet reads image data (idx, cifar10, cifar100)");

  const int64_t depth = resnet ? layout.depth() : c.model.depth;
  if (c.loss.weights == "list" && static_cast<int64_t>(c.loss.weight_list.size()) != depth)
    fail("loss.weights", "has " + std::to_string(c.loss.weight_list.size()) + " entries but " +
                             (resnet ? "the resnet has " + std::to_string(depth) + " blocks"
                                     : "model.depth is " + std::to_string(depth)));
  if (c.loss.weights == "list") {
    double sum = 0;
    for (double w : c.loss.weight_list) sum += w;
    if (sum <= 0) fail("loss.weights", "at least one weight must be positive");
  }
  if (c.train.schedule == "cosine" && c.train.min_lr > c.train.lr)
    fail("train.min_lr", "must not exceed train.lr");
  if (c.train.cuda_graph) validate_cuda_graph(c);
  if (c.experiment.name.empty() || c.experiment.name.find('/') != std::string::npos)
    fail("experiment.name", "must be a non-empty name without '/'");
  refuse_ignored_keys(c);
}

}  // namespace lpa
