// Keys the chosen family, objective, optimiser, schedule or data type never reads are refused
// with why (src/lpa/config/ignored_keys.cpp, one rule per case below); the same keys left at
// their defaults, or in a file whose choice a --set switches, are accepted.
#include <set>

#include "catch.h"
#include "lpa/config/ignored_keys.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"

using namespace lpa;

namespace {

std::string error_of(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  try {
    parse_config(yaml, "x.yaml", sets);
  } catch (const UserError& e) {
    return e.what();
  }
  return "(accepted)";
}

const std::string kMlp = "";  // residual_mlp on surface data, adam, cosine, lpa joint
const std::string kLm = "model:\n  type: transformer\ndata:\n  type: text\n";
const std::string kClassifier = "model:\n  type: transformer\n  causal: false\ndata:\n  type: text_classification\n";
const std::string kCsv = kClassifier + "  csv: d.csv\n";
const std::string kResNet = "model:\n  type: resnet\n  head: per_stage\ndata:\n  type: idx\n";
const std::string kPreset = "model:\n  type: resnet\n  preset: resnet20\n  head: per_stage\ndata:\n  type: idx\n";
const std::string kImages = "data:\n  type: idx\n  flatten: true\n";
const std::string kCifar = "data:\n  type: cifar10\n  flatten: true\n";
const std::string kE2e = "loss:\n  kind: e2e\n";
const std::string kSequential = "loss:\n  mode: sequential\n";
const std::string kLocal = "loss:\n  mode: local\n";
const std::string kSgd = "train:\n  optimizer: sgd\n";
const std::string kConstant = "train:\n  schedule: constant\n";
const std::string kProbe = "train:\n  probe_from: runs/e2e\n";
const std::string kByProbe = "train.probe_from (a probe run trains each head on its own loss, backbone frozen)";
const std::string kPretrained = "model:\n  type: transformer\n  pretrained: " LPA_SOURCE_DIR
                                "/tests/config/hf_folder\ndata:\n  type: text\n  tokenizer: bytes\n";
const std::string kByCheckpoint = "model.pretrained (the checkpoint's config.json and weights fix the architecture)";

struct Case {
  std::string base;  // the choice that makes the key ignored
  std::string set;   // the key, set with --set
  std::string by;    // the message after "--set <key>: ignored by "
};

const std::vector<Case> kCases = {
    {kLm, "model.activation=gelu", "model.type: transformer (its MLP blocks always use GELU)"},
    {kMlp, "model.pretrained=ckpt", "model.type: residual_mlp (Transformer only)"},
    {kMlp, "data.tokenizer=gpt2", "data.type: surface (text only)"},
    {kMlp, "loss.layer_drop_shape=exponential", "loss.layer_drop: 0 (no layer dropout)"},
    {kPretrained, "model.init_scale=0.5", kByCheckpoint},
    {kResNet, "model.norm=layernorm", "model.type: resnet (its blocks use BatchNorm)"},
    {kLm, "model.norm=layernorm", "model.type: transformer (pre-LN blocks always use LayerNorm)"},
    {kResNet, "model.depth=4", "model.type: resnet (its depth is the number of blocks in model.stages or the preset)"},
    {kResNet, "model.width=64", "model.type: resnet (its channels are model.widths or the preset's)"},
    {kResNet, "model.dropout=0.1", "model.type: resnet (it has no dropout; set model.dropout: 0)"},
    {kMlp, "model.preset=resnet20", "model.type: residual_mlp (ResNet only)"},
    {kMlp, "model.preact=true", "model.type: residual_mlp (ResNet only)"},
    {kLm, "model.isotropic=true", "model.type: transformer (ResNet only)"},
    {kLm, "model.exit_width=16", "model.type: transformer (ResNet and residual MLP only)"},
    {kMlp, "model.stages=[1, 1]", "model.type: residual_mlp (ResNet only)"},
    {kPreset, "model.stages=[2, 2, 2]",
     "model.preset: resnet20 (a preset fixes stages and widths; set model.preset: \"\" to use model.stages)"},
    {kPreset, "model.widths=[8, 16, 32]",
     "model.preset: resnet20 (a preset fixes stages and widths; set model.preset: \"\" to use model.widths)"},
    {kLm, "model.widths=[8]", "model.type: transformer (ResNet only)"},
    {kMlp, "model.heads=2", "model.type: residual_mlp (Transformer only)"},
    {kResNet, "model.mlp_ratio=2", "model.type: resnet (Transformer only)"},
    {kMlp, "model.positions=rotary", "model.type: residual_mlp (Transformer only)"},
    {kMlp, "model.causal=false", "model.type: residual_mlp (Transformer only)"},
    {kClassifier, "model.tie_weights=false",
     "data.type: text_classification (only a language model's head can share the byte embedding)"},
    {kLm, "model.pool=cls",
     "data.type: text (a language model predicts at every position; pooling is for classifiers)"},
    {kLm, "data.function=peaks", "data.type: text (surface only)"},
    {kImages, "data.dim=3", "data.type: idx (surface only)"},
    {kImages, "data.n_train=10", "data.type: idx (surface only)"},
    {kImages, "data.n_val=10", "data.type: idx (surface only)"},
    {kImages, "data.n_test=10", "data.type: idx (surface only)"},
    {kImages, "data.sampling=grid", "data.type: idx (surface only)"},
    {kImages, "data.noise=0.1", "data.type: idx (surface only)"},
    {kMlp, "data.root=somewhere", "data.type: surface (its points are generated)"},
    {kLm, "data.root=somewhere", "data.type: text (a corpus is read from data.files)"},
    {kMlp, "data.train_images=a", "data.type: surface (idx only)"},
    {kCifar, "data.train_labels=a", "data.type: cifar10 (idx only)"},
    {kCifar, "data.test_images=a", "data.type: cifar10 (idx only)"},
    {kCifar, "data.test_labels=a", "data.type: cifar10 (idx only)"},
    {kMlp, "data.val_fraction=0.2", "data.type: surface (its validation points are data.n_val)"},
    {kMlp, "data.augment=true", "data.type: surface (its points are not augmented)"},
    {kClassifier, "data.augment=true",
     "data.type: text_classification (each document is read from its start, never at a random offset)"},
    {kImages, "data.crop_padding=2", "data.augment: false (crops happen only when augmenting)"},
    {kLm, "data.crop_padding=2", "data.type: text (images only)"},
    {kImages, "data.flip=false", "data.augment: false (flips happen only when augmenting)"},
    {kLm, "data.flatten=true", "data.type: text (images only)"},
    {kMlp, "data.train_limit=10", "data.type: surface (images only)"},
    {kClassifier, "data.files=a.txt", "data.type: text_classification (its documents come from data.root or data.csv)"},
    {kMlp, "data.limit_bytes=100", "data.type: surface (data.type: text only)"},
    {kMlp, "data.extensions=[.md]", "data.type: surface (text only)"},
    {kCsv, "data.extensions=[.md]", "data.csv (the texts come from the CSV; extensions pick files in label folders)"},
    {kLm, "data.label_map={a: b}", "data.type: text (text_classification only)"},
    {kCsv, "data.label_map={a: b}", "data.csv (the CSV's label column names the classes)"},
    {kMlp, "data.seq_len=64", "data.type: surface (text only)"},
    {kImages, "data.test_fraction=0.1", "data.type: idx (text only)"},
    {kLm, "data.csv=a.csv", "data.type: text (text_classification only)"},
    {kLm, "data.strip_headers=true", "data.type: text (text_classification only)"},
    {kE2e, "loss.mode=local", "loss.kind: e2e (modes are LPA's; E2E trains the last exit)"},
    {kE2e, "loss.weights=linear", "loss.kind: e2e (only the last exit is in the loss)"},
    {kSequential, "loss.weights=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]",
     "loss.mode: sequential (each stage trains its own exit alone)"},
    {kE2e, "loss.curriculum=rotational", "loss.kind: e2e (only the last exit is in the loss)"},
    {kSequential, "loss.curriculum=rotational", "loss.mode: sequential (each stage trains its own exit alone)"},
    {kMlp, "loss.rotation_period=2", "loss.curriculum: none (set loss.curriculum: rotational)"},
    {kE2e, "loss.rotation_period=2", "loss.kind: e2e (only the last exit is in the loss)"},
    {kSequential, "loss.layer_drop=0.1", "loss.mode: sequential (a stage runs blocks 1..l without dropping any)"},
    {kMlp, "loss.label_smoothing=0.1", "data.type: surface (a regression: smoothing is for classes)"},
    {kMlp, "loss.adaptive_decay=0.9", "loss.weights: uniform (the decay is adaptive weights')"},
    {kE2e, "loss.final_weight=2", "loss.kind: e2e (only the last exit is in the loss)"},
    {kSequential, "loss.aux_ramp=0.5", "loss.mode: sequential (each stage trains its own exit alone)"},
    {kE2e, "loss.distill_alpha=0.5", "loss.kind: e2e (only the last exit is in the loss)"},
    {kMlp + "loss:\n  distill_alpha: 0.5\n", "loss.distill_temperature=2",
     "data.type: surface (a regression: its distillation term is squared error, no softmax)"},
    {kLm, "loss.distill_temperature=2", "loss.distill_alpha: 0 (distillation is off)"},
    {kLocal, "loss.gradient_equilibrium=true",
     "loss.mode: local (each block already gets only its own exit's gradient)"},
    {kSequential, "loss.e2e_fraction=0.5", "loss.mode: sequential (each stage trains its own exit alone)"},
    {kE2e, "loss.head_gradient=normalised", "loss.kind: e2e (only the last exit is in the loss)"},
    {kMlp, "loss.head_gradient=normalised",
     "model.head: shared (one head serves every exit: their weights sum to 1)"},
    {kMlp, "train.momentum=0.5", "train.optimizer: adam (momentum is SGD's; Adam's are train.beta1 and train.beta2)"},
    {kMlp, "train.nesterov=true", "train.optimizer: adam (Nesterov momentum is SGD's)"},
    {kSgd + "  momentum: 0\n", "train.nesterov=true", "train.momentum: 0 (Nesterov needs momentum > 0)"},
    {kSgd, "train.beta1=0.8", "train.optimizer: sgd (betas are Adam's; SGD uses train.momentum)"},
    {kSgd, "train.beta2=0.99", "train.optimizer: sgd (betas are Adam's; SGD uses train.momentum)"},
    {kConstant, "train.min_lr=0.0001", "train.schedule: constant (min_lr is the cosine schedule's floor)"},
    {kMlp, "train.step_size=10", "train.schedule: cosine (step_size is the step schedule's)"},
    {kConstant, "train.gamma=0.5", "train.schedule: constant (gamma is the step schedule's)"},
    {"train:\n  steps: 100\n", "train.epochs=3",
     "train.steps: 100 (steps > 0 overrides epochs; set train.steps: 0 to train by epochs)"},
    {kProbe, "loss.kind=e2e", kByProbe},
    {kProbe, "loss.mode=local", kByProbe},
    {kProbe, "loss.weights=linear", kByProbe},
    {kProbe, "loss.curriculum=rotational", kByProbe},
    {kProbe, "loss.layer_drop=0.1", kByProbe},
    {kProbe, "loss.final_weight=2", kByProbe},
    {kProbe, "loss.aux_ramp=0.5", kByProbe},
    {kProbe, "loss.distill_alpha=0.5", kByProbe},
    {kProbe, "loss.gradient_equilibrium=true", kByProbe},
    {kProbe, "loss.e2e_fraction=0.5", kByProbe},
    {"model:\n  head: per_depth\n" + kProbe, "loss.head_gradient=normalised", kByProbe},
};

std::string key_of(const Case& c) { return c.set.substr(0, c.set.find('=')); }

}  // namespace

TEST_CASE("ignored keys: each one is refused with what ignores it and why") {
  for (const auto& c : kCases) {
    INFO(c.base << "--set " << c.set);
    CHECK(error_of(c.base) == "(accepted)");  // the choice alone is fine
    CHECK(error_of(c.base, {c.set}) == "--set " + key_of(c) + ": ignored by " + c.by);
  }
}

TEST_CASE("ignored keys: every rule has a case above") {
  std::set<std::string> covered;
  for (const auto& c : kCases) covered.insert(key_of(c));
  const auto keys = keys_that_can_be_ignored();
  CHECK(covered == std::set<std::string>(keys.begin(), keys.end()));
}

// A key two families read must be accepted by both (the case table checks only the refusals).
TEST_CASE("ignored keys: model.exit_width is read by the ResNet and the residual MLP") {
  CHECK(error_of(kMlp, {"model.exit_width=8"}) == "(accepted)");
  CHECK(error_of(kResNet, {"model.exit_width=8"}) == "(accepted)");
}

TEST_CASE("ignored keys: a key in the file is named with its line") {
  CHECK(error_of("model:\n  type: transformer\n  activation: gelu\ndata:\n  type: text\n") ==
        "x.yaml:3: model.activation: ignored by model.type: transformer (its MLP blocks always use GELU)");
  CHECK(error_of("loss:\n  kind: e2e\n  weights: linear\n") ==
        "x.yaml:3: loss.weights: ignored by loss.kind: e2e (only the last exit is in the loss)");
  // A --set applied after the file's choice is refused too.
  CHECK(error_of("loss:\n  kind: e2e\n", {"loss.curriculum=rotational"}) ==
        "--set loss.curriculum: ignored by loss.kind: e2e (only the last exit is in the loss)");
  CHECK(error_of("", {"loss.kind=e2e", "loss.weights=sqrt"}) ==
        "--set loss.weights: ignored by loss.kind: e2e (only the last exit is in the loss)");
}

TEST_CASE("ignored keys: defaults, and a file's key that a --set switches off, are accepted") {
  // Written at its default value the key changes nothing and misleads no one.
  CHECK(error_of("model:\n  type: transformer\n  activation: relu\ndata:\n  type: text\n") == "(accepted)");
  CHECK(error_of("loss:\n  kind: e2e\n  weights: uniform\n  mode: joint\n") == "(accepted)");
  // The E2E baseline of an LPA config: --set loss.kind=e2e leaves the file's weights unread.
  auto c = parse_config("loss:\n  weights: linear\n", "x.yaml", {"loss.kind=e2e"});
  CHECK(c.loss.weights == "linear");
  CHECK(ignored_keys(c).size() == 1);
  // What the run directory records: the unread key at its default, so the dump reloads and
  // equals the config written for E2E directly.
  const std::string dump = config_to_yaml(c);
  CHECK(dump.find("weights: uniform") != std::string::npos);
  CHECK(config_to_yaml(parse_config(dump, "dump.yaml")) == dump);
  CHECK(dump == config_to_yaml(parse_config("loss:\n  kind: e2e\n", "y.yaml")));
}

// `lpa train --probe-from RUN` reads RUN's config and sets train.probe_from on the command line:
// the source's objective keys (an LPA run's weights, an E2E run's kind) are then unread but
// accepted, and the probe run records them at their defaults, so its config reloads as itself.
TEST_CASE("ignored keys: a probe run accepts its source config's loss keys and records defaults") {
  auto c = parse_config("loss:\n  kind: lpa\n  weights: linear\n  layer_drop: 0.2\n", "x.yaml",
                        {"train.probe_from=runs/lpa"});
  CHECK(ignored_keys(c).size() == 2);
  const std::string dump = config_to_yaml(c);
  CHECK(dump.find("weights: uniform") != std::string::npos);
  CHECK(dump.find("probe_from: runs/lpa") != std::string::npos);
  CHECK(config_to_yaml(parse_config(dump, "dump.yaml")) == dump);
  CHECK(dump == config_to_yaml(parse_config("", "y.yaml", {"train.probe_from=runs/lpa"})));
  // loss.rotation_period, which only a rotational curriculum reads, is refused with the probe.
  CHECK(error_of("loss:\n  curriculum: rotational\n", {"train.probe_from=x", "loss.rotation_period=2"}) ==
        "--set loss.rotation_period: ignored by " + kByProbe);
}
