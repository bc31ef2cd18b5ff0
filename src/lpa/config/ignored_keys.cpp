#include "lpa/config/ignored_keys.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "lpa/config/schema.h"
#include "lpa/errors.h"

namespace lpa {
namespace {

using Cfg = ExperimentConfig;

// `key` is ignored when `why` returns a reason; `deciders` are the keys that reason rests on.
struct Rule {
  std::string key;
  std::vector<std::string> deciders;
  std::function<std::string(const Cfg&)> why;
};

bool one_of(const std::string& v, std::initializer_list<const char*> set) {
  return std::any_of(set.begin(), set.end(), [&](const char* s) { return v == s; });
}

bool images(const Cfg& c) { return one_of(c.data.type, {"idx", "cifar10", "cifar100"}); }
bool text(const Cfg& c) { return one_of(c.data.type, {"text", "text_classification"}); }

std::string model_is(const Cfg& c, const std::string& why) {
  return "model.type: " + c.model.type + " (" + why + ")";
}
std::string data_is(const Cfg& c, const std::string& why) {
  return "data.type: " + c.data.type + " (" + why + ")";
}

// Keys one model family reads and the others do not.
Rule family_key(const std::string& key, const char* family, const char* what) {
  return {key, {"model.type"}, [=](const Cfg& c) {
            return c.model.type == family ? "" : model_is(c, std::string(what) + " only");
          }};
}
// Architecture keys a pretrained checkpoint's config.json decides (and its weights initialise).
Rule from_checkpoint(const std::string& key) {
  return {key, {"model.pretrained"}, [](const Cfg& c) -> std::string {
            if (c.model.pretrained.empty()) return "";
            return "model.pretrained (the checkpoint's config.json and weights fix the architecture)";
          }};
}
// Keys one group of data types reads.
Rule data_key(const std::string& key, std::function<bool(const Cfg&)> reads, const char* what) {
  return {key, {"data.type"}, [=](const Cfg& c) {
            return reads(c) ? "" : data_is(c, std::string(what) + " only");
          }};
}

// data.files and data.limit_bytes describe a language model's corpus.
std::string corpus_only(const Cfg& c) {
  if (c.data.type == "text") return "";
  if (c.data.type == "text_classification")
    return data_is(c, "its documents come from data.root or data.csv");
  return data_is(c, "data.type: text only");
}

// Why the objective trains no depth term but the last (e2e) or one exit at a time (sequential).
std::string one_term_objective(const Cfg& c) {
  if (c.loss.kind == "e2e") return "loss.kind: e2e (only the last exit is in the loss)";
  if (c.loss.mode == "sequential")
    return "loss.mode: sequential (each stage trains its own exit alone)";
  return "";
}

// Loss keys a probe run never reads: its heads train on their own losses over a frozen backbone.
Rule probe_ignores(const std::string& key) {
  return {key, {"train.probe_from"}, [](const Cfg& c) -> std::string {
            if (c.train.probe_from.empty()) return "";
            return "train.probe_from (a probe run trains each head on its own loss, backbone frozen)";
          }};
}

std::vector<Rule> build_rules() {
  const auto is_text_lm = [](const Cfg& c) { return c.data.type == "text"; };
  const auto is_classifier_text = [](const Cfg& c) { return c.data.type == "text_classification"; };
  return {
      // Model family.
      {"model.activation", {"model.type"}, [](const Cfg& c) {
         return c.model.type == "transformer" ? model_is(c, "its MLP blocks always use GELU") : "";
       }},
      {"model.norm", {"model.type"}, [](const Cfg& c) -> std::string {
         if (c.model.type == "resnet") return model_is(c, "its blocks use BatchNorm");
         if (c.model.type == "transformer") return model_is(c, "pre-LN blocks always use LayerNorm");
         return "";
       }},
      {"model.depth", {"model.type"}, [](const Cfg& c) {
         return c.model.type == "resnet"
                    ? model_is(c, "its depth is the number of blocks in model.stages or the preset")
                    : "";
       }},
      {"model.width", {"model.type"}, [](const Cfg& c) {
         return c.model.type == "resnet" ? model_is(c, "its channels are model.widths or the preset's")
                                         : "";
       }},
      {"model.dropout", {"model.type"}, [](const Cfg& c) {
         return c.model.type == "resnet" ? model_is(c, "it has no dropout; set model.dropout: 0") : "";
       }},
      family_key("model.preset", "resnet", "ResNet"),
      family_key("model.preact", "resnet", "ResNet"),
      family_key("model.isotropic", "resnet", "ResNet"),
      {"model.exit_width", {"model.type"}, [](const Cfg& c) -> std::string {
         return one_of(c.model.type, {"resnet", "residual_mlp"}) ? "" : model_is(c, "ResNet and residual MLP only");
       }},
      {"model.stages", {"model.type", "model.preset"}, [](const Cfg& c) -> std::string {
         if (c.model.type != "resnet") return model_is(c, "ResNet only");
         if (!c.model.preset.empty())
           return "model.preset: " + c.model.preset + " (a preset fixes stages and widths; set "
                  "model.preset: \"\" to use model.stages)";
         return "";
       }},
      {"model.widths", {"model.type", "model.preset"}, [](const Cfg& c) -> std::string {
         if (c.model.type != "resnet") return model_is(c, "ResNet only");
         if (!c.model.preset.empty())
           return "model.preset: " + c.model.preset + " (a preset fixes stages and widths; set "
                  "model.preset: \"\" to use model.widths)";
         return "";
       }},
      family_key("model.heads", "transformer", "Transformer"),
      family_key("model.mlp_ratio", "transformer", "Transformer"),
      family_key("model.positions", "transformer", "Transformer"),
      family_key("model.causal", "transformer", "Transformer"),
      {"model.tie_weights", {"model.type", "data.type"}, [=](const Cfg& c) -> std::string {
         if (c.model.type != "transformer") return model_is(c, "Transformer only");
         if (!is_text_lm(c))
           return data_is(c, "only a language model's head can share the byte embedding");
         return "";
       }},
      family_key("model.pretrained", "transformer", "Transformer"),
      from_checkpoint("model.width"),
      from_checkpoint("model.heads"),
      from_checkpoint("model.mlp_ratio"),
      from_checkpoint("model.positions"),
      from_checkpoint("model.tie_weights"),
      from_checkpoint("model.init_scale"),
      {"model.pool", {"model.type", "data.type"}, [=](const Cfg& c) -> std::string {
         if (c.model.type != "transformer") return model_is(c, "Transformer only");
         if (is_text_lm(c)) return data_is(c, "a language model predicts at every position; pooling is for classifiers");
         return "";
       }},

      // Data type.
      data_key("data.tokenizer", text, "text"),
      data_key("data.function", [](const Cfg& c) { return c.data.type == "surface"; }, "surface"),
      data_key("data.dim", [](const Cfg& c) { return c.data.type == "surface"; }, "surface"),
      data_key("data.n_train", [](const Cfg& c) { return c.data.type == "surface"; }, "surface"),
      data_key("data.n_val", [](const Cfg& c) { return c.data.type == "surface"; }, "surface"),
      data_key("data.n_test", [](const Cfg& c) { return c.data.type == "surface"; }, "surface"),
      data_key("data.sampling", [](const Cfg& c) { return c.data.type == "surface"; }, "surface"),
      data_key("data.noise", [](const Cfg& c) { return c.data.type == "surface"; }, "surface"),
      {"data.root", {"data.type"}, [](const Cfg& c) -> std::string {
         if (c.data.type == "surface") return data_is(c, "its points are generated");
         if (c.data.type == "text") return data_is(c, "a corpus is read from data.files");
         return "";
       }},
      data_key("data.train_images", [](const Cfg& c) { return c.data.type == "idx"; }, "idx"),
      data_key("data.train_labels", [](const Cfg& c) { return c.data.type == "idx"; }, "idx"),
      data_key("data.test_images", [](const Cfg& c) { return c.data.type == "idx"; }, "idx"),
      data_key("data.test_labels", [](const Cfg& c) { return c.data.type == "idx"; }, "idx"),
      {"data.val_fraction", {"data.type"}, [](const Cfg& c) {
         return c.data.type == "surface" ? data_is(c, "its validation points are data.n_val") : "";
       }},
      {"data.augment", {"data.type"}, [](const Cfg& c) -> std::string {
         if (c.data.type == "surface") return data_is(c, "its points are not augmented");
         if (c.data.type == "text_classification")
           return data_is(c, "each document is read from its start, never at a random offset");
         return "";
       }},
      {"data.crop_padding", {"data.type", "data.augment"}, [](const Cfg& c) -> std::string {
         if (!images(c)) return data_is(c, "images only");
         if (!c.data.augment) return "data.augment: false (crops happen only when augmenting)";
         return "";
       }},
      {"data.flip", {"data.type", "data.augment"}, [](const Cfg& c) -> std::string {
         if (!images(c)) return data_is(c, "images only");
         if (!c.data.augment) return "data.augment: false (flips happen only when augmenting)";
         return "";
       }},
      data_key("data.flatten", images, "images"),
      data_key("data.train_limit", images, "images"),
      {"data.files", {"data.type"}, [](const Cfg& c) { return corpus_only(c); }},
      {"data.limit_bytes", {"data.type"}, [](const Cfg& c) { return corpus_only(c); }},
      {"data.extensions", {"data.type", "data.csv"}, [](const Cfg& c) -> std::string {
         if (!text(c)) return data_is(c, "text only");
         if (c.data.type == "text_classification" && !c.data.csv.empty())
           return "data.csv (the texts come from the CSV; extensions pick files in label folders)";
         return "";
       }},
      {"data.label_map", {"data.type", "data.csv"}, [](const Cfg& c) -> std::string {
         if (c.data.type != "text_classification") return data_is(c, "text_classification only");
         if (!c.data.csv.empty()) return "data.csv (the CSV's label column names the classes)";
         return "";
       }},
      data_key("data.seq_len", text, "text"),
      data_key("data.test_fraction", text, "text"),
      data_key("data.csv", is_classifier_text, "text_classification"),
      data_key("data.strip_headers", is_classifier_text, "text_classification"),

      // Objective.
      {"loss.mode", {"loss.kind"}, [](const Cfg& c) {
         return c.loss.kind == "e2e" ? "loss.kind: e2e (modes are LPA's; E2E trains the last exit)"
                                     : "";
       }},
      {"loss.weights", {"loss.kind", "loss.mode"}, one_term_objective},
      {"loss.adaptive_decay", {"loss.kind", "loss.mode", "loss.weights"},
       [](const Cfg& c) -> std::string {
         std::string why = one_term_objective(c);
         if (!why.empty()) return why;
         if (c.loss.weights != "adaptive")
           return "loss.weights: " + c.loss.weights + " (the decay is adaptive weights')";
         return "";
       }},
      {"loss.final_weight", {"loss.kind", "loss.mode"}, one_term_objective},
      {"loss.aux_ramp", {"loss.kind", "loss.mode"}, one_term_objective},
      {"loss.distill_alpha", {"loss.kind", "loss.mode"}, one_term_objective},
      {"loss.distill_temperature", {"loss.kind", "loss.mode", "loss.distill_alpha", "data.type"},
       [](const Cfg& c) -> std::string {
         std::string why = one_term_objective(c);
         if (!why.empty()) return why;
         if (c.loss.distill_alpha == 0) return "loss.distill_alpha: 0 (distillation is off)";
         if (c.data.type == "surface")
           return data_is(c, "a regression: its distillation term is squared error, no softmax");
         return "";
       }},
      {"loss.gradient_equilibrium", {"loss.kind", "loss.mode"}, [](const Cfg& c) -> std::string {
         std::string why = one_term_objective(c);
         if (!why.empty()) return why;
         if (c.loss.mode == "local")
           return "loss.mode: local (each block already gets only its own exit's gradient)";
         return "";
       }},
      {"loss.e2e_fraction", {"loss.kind", "loss.mode"}, one_term_objective},
      {"loss.head_gradient", {"loss.kind", "loss.mode", "model.head"}, [](const Cfg& c) -> std::string {
         std::string why = one_term_objective(c);
         if (!why.empty()) return why;
         if (c.model.head == "shared") return "model.head: shared (one head serves every exit: their weights sum to 1)";
         return "";
       }},
      {"loss.curriculum", {"loss.kind", "loss.mode"}, one_term_objective},
      {"loss.rotation_period", {"loss.kind", "loss.mode", "loss.curriculum"},
       [](const Cfg& c) -> std::string {
         std::string why = one_term_objective(c);
         if (!why.empty()) return why;
         if (c.loss.curriculum != "rotational")
           return "loss.curriculum: " + c.loss.curriculum + " (set loss.curriculum: rotational)";
         return "";
       }},
      {"loss.layer_drop", {"loss.kind", "loss.mode"}, [](const Cfg& c) {
         return c.loss.kind == "lpa" && c.loss.mode == "sequential"
                    ? "loss.mode: sequential (a stage runs blocks 1..l without dropping any)"
                    : "";
       }},
      {"loss.layer_drop_shape", {"loss.layer_drop"}, [](const Cfg& c) {
         return c.loss.layer_drop == 0 ? "loss.layer_drop: 0 (no layer dropout)" : "";
       }},
      {"loss.label_smoothing", {"data.type"}, [](const Cfg& c) {
         return c.data.type == "surface" ? data_is(c, "a regression: smoothing is for classes") : "";
       }},

      // Optimiser and schedule.
      {"train.momentum", {"train.optimizer"}, [](const Cfg& c) {
         return c.train.optimizer == "sgd"
                    ? ""
                    : "train.optimizer: " + c.train.optimizer +
                          " (momentum is SGD's; Adam's are train.beta1 and train.beta2)";
       }},
      {"train.nesterov", {"train.optimizer", "train.momentum"}, [](const Cfg& c) -> std::string {
         if (c.train.optimizer != "sgd")
           return "train.optimizer: " + c.train.optimizer + " (Nesterov momentum is SGD's)";
         if (c.train.momentum == 0) return "train.momentum: 0 (Nesterov needs momentum > 0)";
         return "";
       }},
      {"train.beta1", {"train.optimizer"}, [](const Cfg& c) {
         return c.train.optimizer == "sgd"
                    ? "train.optimizer: sgd (betas are Adam's; SGD uses train.momentum)"
                    : "";
       }},
      {"train.beta2", {"train.optimizer"}, [](const Cfg& c) {
         return c.train.optimizer == "sgd"
                    ? "train.optimizer: sgd (betas are Adam's; SGD uses train.momentum)"
                    : "";
       }},
      {"train.min_lr", {"train.schedule"}, [](const Cfg& c) {
         return c.train.schedule == "cosine"
                    ? ""
                    : "train.schedule: " + c.train.schedule + " (min_lr is the cosine schedule's floor)";
       }},
      {"train.step_size", {"train.schedule"}, [](const Cfg& c) {
         return c.train.schedule == "step"
                    ? ""
                    : "train.schedule: " + c.train.schedule + " (step_size is the step schedule's)";
       }},
      {"train.gamma", {"train.schedule"}, [](const Cfg& c) {
         return c.train.schedule == "step"
                    ? ""
                    : "train.schedule: " + c.train.schedule + " (gamma is the step schedule's)";
       }},
      {"train.epochs", {"train.steps"}, [](const Cfg& c) {
         return c.train.steps > 0 ? "train.steps: " + std::to_string(c.train.steps) +
                                        " (steps > 0 overrides epochs; set train.steps: 0 to train by epochs)"
                                  : "";
       }},

      // A probe run (train.probe_from) has one objective of its own: each head on its own loss.
      probe_ignores("loss.kind"),
      probe_ignores("loss.mode"),
      probe_ignores("loss.weights"),
      probe_ignores("loss.curriculum"),
      probe_ignores("loss.rotation_period"),
      probe_ignores("loss.layer_drop"),
      probe_ignores("loss.adaptive_decay"),
      probe_ignores("loss.final_weight"),
      probe_ignores("loss.aux_ramp"),
      probe_ignores("loss.distill_alpha"),
      probe_ignores("loss.distill_temperature"),
      probe_ignores("loss.gradient_equilibrium"),
      probe_ignores("loss.e2e_fraction"),
      probe_ignores("loss.head_gradient"),
  };
}

const std::vector<Rule>& rules() {
  static const std::vector<Rule> r = build_rules();
  return r;
}

bool differs_from_default(const Cfg& c, const ConfigKey& k) {
  static const Cfg defaults;
  return YAML::Dump(k.get(c)) != YAML::Dump(k.get(defaults));
}

// 0: not given, 1: in the file, 2: by --set (applied after the file).
int level(const Cfg& c, const std::string& key) {
  auto it = c.key_lines.find(key);
  if (it == c.key_lines.end()) return 0;
  return it->second > 0 ? 1 : 2;
}

}  // namespace

std::vector<std::string> keys_that_can_be_ignored() {
  std::vector<std::string> v;
  for (const auto& r : rules()) v.push_back(r.key);
  return v;
}

std::vector<IgnoredKey> ignored_keys(const ExperimentConfig& cfg) {
  std::vector<IgnoredKey> out;
  for (const auto& r : rules()) {
    const ConfigKey* k = find_config_key(r.key);
    if (!k) throw std::logic_error("ignored_keys: rule for unknown key " + r.key);
    if (!differs_from_default(cfg, *k)) continue;
    std::string why = r.why(cfg);
    if (!why.empty()) out.push_back({r.key, why});
  }
  return out;
}

std::vector<IgnoredKey> unread_keys(const ExperimentConfig& cfg) {
  std::vector<IgnoredKey> out;
  for (const auto& r : rules()) {
    std::string why = r.why(cfg);
    if (!why.empty()) out.push_back({r.key, why});
  }
  return out;
}

void refuse_ignored_keys(const ExperimentConfig& cfg) {
  for (const auto& ig : ignored_keys(cfg)) {
    const int given = level(cfg, ig.key);
    if (given == 0) continue;
    int decided = 0;
    for (const auto& r : rules())
      if (r.key == ig.key)
        for (const auto& d : r.deciders) decided = std::max(decided, level(cfg, d));
    if (given >= decided) throw UserError(cfg.where(ig.key) + ": ignored by " + ig.reason);
  }
}

ExperimentConfig without_ignored_keys(ExperimentConfig cfg) {
  static const ExperimentConfig defaults;
  for (const auto& ig : ignored_keys(cfg)) {
    const ConfigKey* k = find_config_key(ig.key);
    k->set(cfg, k->get(defaults));
  }
  return cfg;
}

}  // namespace lpa
