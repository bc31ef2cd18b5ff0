#include "lpa/config/schema.h"

#include <limits>
#include <sstream>

namespace lpa {
namespace {

using Cfg = ExperimentConfig;

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

void require_scalar(const YAML::Node& n, const char* what) {
  if (!n.IsScalar()) throw ValueError(std::string("expected ") + what + ", got a " +
                                      (n.IsSequence() ? "list" : n.IsMap() ? "mapping" : "null"));
}

int64_t read_int(const YAML::Node& n) {
  require_scalar(n, "an integer");
  const std::string& s = n.Scalar();
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used, 10);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  // Accept 1e5-style integers written in scientific notation when they are whole.
  try {
    size_t used = 0;
    double d = std::stod(s, &used);
    if (used == s.size() && std::floor(d) == d && std::abs(d) < 9e18) return static_cast<int64_t>(d);
  } catch (const std::exception&) {
  }
  throw ValueError("expected an integer, got '" + s + "'");
}

double read_double(const YAML::Node& n) {
  require_scalar(n, "a number");
  const std::string& s = n.Scalar();
  try {
    size_t used = 0;
    double v = std::stod(s, &used);
    if (used == s.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  throw ValueError("expected a number, got '" + s + "'");
}

bool read_bool(const YAML::Node& n) {
  require_scalar(n, "true or false");
  bool b = false;
  if (YAML::convert<bool>::decode(n, b)) return b;
  throw ValueError("expected true or false, got '" + n.Scalar() + "'");
}

std::string read_string(const YAML::Node& n) {
  if (n.IsNull()) return "";
  require_scalar(n, "a string");
  return n.Scalar();
}

template <class S, class T>
using Field = T S::*;

template <class S>
ConfigKey int_key(std::string path, S Cfg::*sec, Field<S, int64_t> f, int64_t lo, int64_t hi,
                  std::string doc) {
  return {path, doc,
          [=](Cfg& c, const YAML::Node& n) {
            int64_t v = read_int(n);
            if (v < lo || v > hi) {
              std::ostringstream m;
              m << "must be ";
              if (hi == std::numeric_limits<int64_t>::max()) m << ">= " << lo;
              else m << "in [" << lo << ", " << hi << "]";
              m << ", got " << v;
              throw ValueError(m.str());
            }
            (c.*sec).*f = v;
          },
          [=](const Cfg& c) { return YAML::Node((c.*sec).*f); }};
}

template <class S>
ConfigKey double_key(std::string path, S Cfg::*sec, Field<S, double> f, double lo, double hi,
                     std::string doc) {
  return {path, doc,
          [=](Cfg& c, const YAML::Node& n) {
            double v = read_double(n);
            if (v < lo || v > hi) {
              std::ostringstream m;
              m << "must be in [" << lo << ", " << hi << "], got " << v;
              throw ValueError(m.str());
            }
            (c.*sec).*f = v;
          },
          [=](const Cfg& c) { return YAML::Node((c.*sec).*f); }};
}

template <class S>
ConfigKey bool_key(std::string path, S Cfg::*sec, Field<S, bool> f, std::string doc) {
  return {path, doc, [=](Cfg& c, const YAML::Node& n) { (c.*sec).*f = read_bool(n); },
          [=](const Cfg& c) { return YAML::Node((c.*sec).*f); }};
}

// allowed empty = free text.
template <class S>
ConfigKey string_key(std::string path, S Cfg::*sec, Field<S, std::string> f,
                     std::vector<std::string> allowed, std::string doc) {
  return {path, doc,
          [=](Cfg& c, const YAML::Node& n) {
            std::string v = read_string(n);
            if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end())
              throw ValueError("'" + v + "' is not one of: " + join(allowed, ", "));
            (c.*sec).*f = v;
          },
          [=](const Cfg& c) { return YAML::Node((c.*sec).*f); }};
}

template <class S>
ConfigKey int_list_key(std::string path, S Cfg::*sec, Field<S, std::vector<int64_t>> f,
                       int64_t lo, std::string doc) {
  return {path, doc,
          [=](Cfg& c, const YAML::Node& n) {
            if (!n.IsSequence()) throw ValueError("expected a list of integers, e.g. [3, 3, 3]");
            std::vector<int64_t> v;
            for (const auto& e : n) {
              int64_t x = read_int(e);
              if (x < lo) throw ValueError("every entry must be >= " + std::to_string(lo));
              v.push_back(x);
            }
            if (v.empty()) throw ValueError("the list must not be empty");
            (c.*sec).*f = v;
          },
          [=](const Cfg& c) {
            YAML::Node n(YAML::NodeType::Sequence);
            for (auto x : (c.*sec).*f) n.push_back(x);
            n.SetStyle(YAML::EmitterStyle::Flow);
            return n;
          }};
}

template <class S>
ConfigKey string_list_key(std::string path, S Cfg::*sec, Field<S, std::vector<std::string>> f,
                          std::string doc) {
  return {path, doc,
          [=](Cfg& c, const YAML::Node& n) {
            std::vector<std::string> v;
            if (n.IsScalar()) v.push_back(n.Scalar());
            else if (n.IsSequence()) for (const auto& e : n) v.push_back(read_string(e));
            else if (!n.IsNull()) throw ValueError("expected a path or a list of paths");
            (c.*sec).*f = v;
          },
          [=](const Cfg& c) {
            YAML::Node n(YAML::NodeType::Sequence);
            for (const auto& x : (c.*sec).*f) n.push_back(x);
            n.SetStyle(YAML::EmitterStyle::Flow);
            return n;
          }};
}

template <class S>
ConfigKey string_map_key(std::string path, S Cfg::*sec,
                         Field<S, std::map<std::string, std::string>> f, std::string doc) {
  return {path, doc,
          [=](Cfg& c, const YAML::Node& n) {
            std::map<std::string, std::string> v;
            if (n.IsMap()) {
              for (const auto& kv : n) v[read_string(kv.first)] = read_string(kv.second);
            } else if (!n.IsNull() && !(n.IsScalar() && n.Scalar().empty())) {
              throw ValueError("expected a mapping, e.g. {spam-1: spam, easy-ham-1: ham}");
            }
            (c.*sec).*f = v;
          },
          [=](const Cfg& c) {
            YAML::Node n(YAML::NodeType::Map);
            for (const auto& [k, x] : (c.*sec).*f) n[k] = x;
            n.SetStyle(YAML::EmitterStyle::Flow);
            return n;
          }};
}

ConfigKey weights_key() {
  static const std::vector<std::string> names = {"uniform", "linear",  "sqrt",
                                                 "inverse", "sdn",     "adaptive"};
  return {"loss.weights",
          "depth weights w_l: uniform | linear | sqrt | inverse | sdn | adaptive, or a list",
          [](Cfg& c, const YAML::Node& n) {
            if (n.IsSequence()) {
              std::vector<double> v;
              for (const auto& e : n) {
                double x = read_double(e);
                if (x < 0) throw ValueError("weights must be >= 0");
                v.push_back(x);
              }
              if (v.empty()) throw ValueError("the weight list must not be empty");
              c.loss.weights = "list";
              c.loss.weight_list = v;
              return;
            }
            std::string s = read_string(n);
            if (std::find(names.begin(), names.end(), s) == names.end())
              throw ValueError("'" + s + "' is not one of: " + join(names, ", ") + ", or a list");
            c.loss.weights = s;
            c.loss.weight_list.clear();
          },
          [](const Cfg& c) {
            if (c.loss.weights != "list") return YAML::Node(c.loss.weights);
            YAML::Node n(YAML::NodeType::Sequence);
            for (double x : c.loss.weight_list) n.push_back(x);
            n.SetStyle(YAML::EmitterStyle::Flow);
            return n;
          }};
}

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr double kInf = std::numeric_limits<double>::max();

std::vector<ConfigKey> build_schema() {
  using E = ExperimentSection;
  using M = ModelSection;
  using D = DataSection;
  using L = LossSection;
  using T = TrainSection;
  using V = EvalSection;
  using O = OutputSection;
  const auto ex = &Cfg::experiment;
  const auto mo = &Cfg::model;
  const auto da = &Cfg::data;
  const auto lo = &Cfg::loss;
  const auto tr = &Cfg::train;
  const auto ev = &Cfg::eval;
  const auto ou = &Cfg::output;
  return {
      string_key<E>("experiment.name", ex, &E::name, {}, "names the run folder runs/<name>/"),
      string_key<E>("experiment.notes", ex, &E::notes, {}, "free text kept with the run"),

      string_key<M>("model.type", mo, &M::type, {"residual_mlp", "resnet", "transformer"},
                    "architecture"),
      int_key<M>("model.depth", mo, &M::depth, 1, 4096,
                 "number of residual blocks = number of exits (ResNet: from stages)"),
      int_key<M>("model.width", mo, &M::width, 1, 1 << 20, "hidden width / d_model"),
      string_key<M>("model.head", mo, &M::head, {"shared", "per_depth", "per_stage"},
                    "one head for all depths, one per depth, or one per ResNet stage"),
      string_key<M>("model.activation", mo, &M::activation, {"relu", "gelu", "tanh", "silu"},
                    "activation inside each block"),
      string_key<M>("model.norm", mo, &M::norm, {"none", "layernorm"},
                    "normalisation at the start of each MLP block"),
      double_key<M>("model.dropout", mo, &M::dropout, 0.0, 0.99, "dropout inside blocks"),
      double_key<M>("model.init_scale", mo, &M::init_scale, 0.0, 100.0,
                    "scale of each block's last layer at init (0 = blocks start as identity)"),
      string_key<M>("model.preset", mo, &M::preset, {"", "resnet20", "resnet32", "resnet56"},
                    "ResNet preset; overrides stages and widths"),
      int_list_key<M>("model.stages", mo, &M::stages, 1, "ResNet: blocks per stage"),
      int_list_key<M>("model.widths", mo, &M::widths, 1, "ResNet: channels per stage"),
      bool_key<M>("model.preact", mo, &M::preact, "ResNet: pre-activation blocks"),
      bool_key<M>("model.isotropic", mo, &M::isotropic,
                  "ResNet: one width, no downsampling (allows head: shared)"),
      int_key<M>("model.exit_width", mo, &M::exit_width, 0, 1 << 16,
                 "ResNet and residual MLP: > 0 gives every exit its own adapter to this many "
                 "channels / features before the head's linear layer (ResNet: conv3x3 + BatchNorm "
                 "+ activation, then the pool; MLP: linear + activation); 0 reads the trajectory itself"),
      int_key<M>("model.heads", mo, &M::heads, 1, 1024, "Transformer: attention heads"),
      double_key<M>("model.mlp_ratio", mo, &M::mlp_ratio, 0.25, 64.0,
                    "Transformer: MLP hidden width / d_model"),
      string_key<M>("model.positions", mo, &M::positions, {"learned", "rotary"},
                    "Transformer: position encoding"),
      bool_key<M>("model.tie_weights", mo, &M::tie_weights,
                  "Transformer: LM head shares the embedding matrix"),
      bool_key<M>("model.causal", mo, &M::causal, "Transformer: causal attention"),
      string_key<M>("model.pool", mo, &M::pool, {"mean", "cls"}, "Transformer classifier pooling"),
      string_key<M>("model.pretrained", mo, &M::pretrained, {},
                    "Transformer: a Hugging Face-layout folder (config.json + safetensors; GPT-2, "
                    "Llama, Qwen2, Mistral) whose weights and architecture the model starts from"),

      string_key<D>("data.type", da, &D::type,
                    {"surface", "idx", "cifar10", "cifar100", "text", "text_classification"},
                    "dataset kind"),
      int_key<D>("data.batch_size", da, &D::batch_size, 1, 1 << 24, "training mini-batch size"),
      string_key<D>("data.function", da, &D::function, {}, "surface: target function name"),
      int_key<D>("data.dim", da, &D::dim, 1, 64, "surface: input dimension"),
      int_key<D>("data.n_train", da, &D::n_train, 1, kMax, "surface: training points"),
      int_key<D>("data.n_val", da, &D::n_val, 1, kMax, "surface: validation points"),
      int_key<D>("data.n_test", da, &D::n_test, 1, kMax, "surface: test points"),
      string_key<D>("data.sampling", da, &D::sampling, {"uniform", "grid"},
                    "surface: training points drawn uniformly or on a grid"),
      double_key<D>("data.noise", da, &D::noise, 0.0, kInf,
                    "surface: std of Gaussian noise added to training targets"),
      string_key<D>("data.root", da, &D::root, {}, "folder holding the dataset files"),
      string_key<D>("data.train_images", da, &D::train_images, {}, "idx: training images file"),
      string_key<D>("data.train_labels", da, &D::train_labels, {}, "idx: training labels file"),
      string_key<D>("data.test_images", da, &D::test_images, {}, "idx: test images file"),
      string_key<D>("data.test_labels", da, &D::test_labels, {}, "idx: test labels file"),
      double_key<D>("data.val_fraction", da, &D::val_fraction, 0.0, 0.9,
                    "fraction of train carved out for validation (seeded)"),
      bool_key<D>("data.augment", da, &D::augment,
                  "images: random crop + flip; text: random window offsets while training"),
      int_key<D>("data.crop_padding", da, &D::crop_padding, 0, 64, "images: crop padding"),
      bool_key<D>("data.flip", da, &D::flip, "images: horizontal flip when augmenting"),
      bool_key<D>("data.flatten", da, &D::flatten, "images as flat vectors (residual_mlp)"),
      int_key<D>("data.train_limit", da, &D::train_limit, 0, kMax,
                 "images: train on a seeded subset of this many images (0 = all)"),
      string_list_key<D>("data.files", da, &D::files, "text: files or folders of UTF-8 text"),
      string_list_key<D>("data.extensions", da, &D::extensions,
                         "text: endings of the files read from folders ([] = every file)"),
      string_map_key<D>("data.label_map", da, &D::label_map,
                        "text_classification: label folder -> class name (unlisted: folder name)"),
      int_key<D>("data.seq_len", da, &D::seq_len, 1, 1 << 20, "text: tokens (bytes) per sample"),
      double_key<D>("data.test_fraction", da, &D::test_fraction, 0.0, 0.9,
                    "text: fraction held out for test"),
      string_key<D>("data.csv", da, &D::csv, {}, "text_classification: CSV file (text,label)"),
      int_key<D>("data.limit_bytes", da, &D::limit_bytes, 0, kMax,
                 "text: use only the first N bytes of the corpus (0 = all)"),
      int_key<D>("data.seed", da, &D::seed, -1, kMax, "seed of the data split; -1 = train.seed"),
      bool_key<D>("data.strip_headers", da, &D::strip_headers,
                  "text_classification: keep each document's body after its first blank line "
                  "(drops mail headers; a document without one is kept whole)"),
      int_key<D>("data.device_cache_mb", da, &D::device_cache_mb, 0, kMax,
                 "training on an accelerator: a dataset of at most this many MiB (images as uint8, "
                 "tokens as integers) is moved there once and batched there; larger ones (or 0) "
                 "stay on the host and are copied per batch from pinned memory"),
      string_key<D>("data.tokenizer", da, &D::tokenizer, {},
                    "text: bytes, or a folder with tokenizer.json or GPT-2's vocab.json/encoder.json "
                    "+ merges.txt/vocab.bpe"),

      string_key<L>("loss.kind", lo, &L::kind, {"e2e", "lpa"},
                    "e2e: last depth only; lpa: every depth"),
      string_key<L>("loss.mode", lo, &L::mode, {"joint", "local", "sequential"},
                    "how LPA's depth terms share gradients (docs/method.md)"),
      weights_key(),
      double_key<L>("loss.adaptive_decay", lo, &L::adaptive_decay, 0.0, 0.9999,
                    "adaptive weights: EMA decay of each depth's loss (w_l ∝ 1/EMA)"),
      double_key<L>("loss.final_weight", lo, &L::final_weight, 0.0, 1e6,
                    "deepest exit's weight relative to the sum of the others' (0 = as weighted)"),
      double_key<L>("loss.aux_ramp", lo, &L::aux_ramp, 0.0, 1.0,
                    "exits < N ramp from 0.01x to their weight over this fraction of the steps"),
      double_key<L>("loss.layer_drop", lo, &L::layer_drop, 0.0, 0.99,
                    "layer dropout rate at the last block, rising with depth (loss.layer_drop_shape)"),
      string_key<L>("loss.layer_drop_shape", lo, &L::layer_drop_shape, {"linear", "exponential"},
                    "layer dropout's rise with depth: linear p l / N, or LayerSkip's exponential "
                    "p (2^((l-1)/(N-1)) - 1), which never drops block 1"),
      string_key<L>("loss.curriculum", lo, &L::curriculum, {"none", "rotational", "gradual"},
                    "rotational: a rotating subset of exits per step; gradual: deep exits "
                    "first, all on by mid-run (LayerSkip)"),
      int_key<L>("loss.rotation_period", lo, &L::rotation_period, 0, kMax,
                 "rotational: one exit in every N is active per step (0 = depth/4)"),
      double_key<L>("loss.label_smoothing", lo, &L::label_smoothing, 0.0, 0.99,
                    "classification label smoothing"),
      double_key<L>("loss.distill_alpha", lo, &L::distill_alpha, 0.0, 1.0,
                    "self-distillation: exits < N mix in this share of a loss to the deepest "
                    "exit's detached prediction (0 = off)"),
      double_key<L>("loss.distill_temperature", lo, &L::distill_temperature, 1e-3, 100.0,
                    "self-distillation: softmax temperature T (classes and tokens)"),
      bool_key<L>("loss.gradient_equilibrium", lo, &L::gradient_equilibrium,
                  "each block gets the mean, not the sum, of the gradients of the exits at or "
                  "after it"),
      double_key<L>("loss.e2e_fraction", lo, &L::e2e_fraction, 0.0, 0.999,
                    "two-phase: train E2E for this fraction of the steps, then the LPA objective"),
      string_key<L>("loss.head_gradient", lo, &L::head_gradient, {"weighted", "normalised"},
                    "normalised: each head's gradient divided by the total weight of the exits "
                    "it serves (the blocks' unchanged), so shallow heads learn at the full rate"),

      int_key<T>("train.steps", tr, &T::steps, 0, kMax, "optimiser steps; > 0 overrides epochs"),
      int_key<T>("train.epochs", tr, &T::epochs, 1, kMax, "passes over the training split"),
      int_key<T>("train.seed", tr, &T::seed, 0, kMax, "seed for init, data order, dropout"),
      string_key<T>("train.device", tr, &T::device, {}, "auto | cpu | cuda | cuda:i"),
      int_key<T>("train.threads", tr, &T::threads, 0, 4096, "CPU threads; 0 = all cores"),
      string_key<T>("train.optimizer", tr, &T::optimizer, {"adam", "adamw", "sgd"}, "optimiser"),
      string_key<T>("train.precision", tr, &T::precision, {"fp32", "tf32", "bf16", "fp16"},
                    "fp32 | tf32 (CUDA matmuls) | bf16 (autocast) | fp16 (CUDA autocast, dynamic loss scaling)"),
      double_key<T>("train.loss_scale", tr, &T::loss_scale, 1.0, 1e30,
                    "fp16: initial loss scale (halved after an overflow, doubled after loss_scale_window good steps)"),
      int_key<T>("train.loss_scale_window", tr, &T::loss_scale_window, 1, kMax,
                 "fp16: good steps in a row before the loss scale doubles"),
      bool_key<T>("train.activation_checkpointing", tr, &T::activation_checkpointing,
                  "recompute each block's activations in backward instead of keeping them "
                  "(less memory, about one more forward per step)"),
      bool_key<T>("train.cuda_graph", tr, &T::cuda_graph,
                  "CUDA: capture the whole training step (forward, every exit, backward, optimiser) as a CUDA "
                  "graph once and replay it: one launch per step for small, launch-bound models"),
      bool_key<T>("train.deterministic", tr, &T::deterministic,
                  "deterministic algorithms only (CUDA: cuDNN benchmark off, deterministic cuBLAS): bit for bit "
                  "on a GPU too, slower"),
      double_key<T>("train.lr", tr, &T::lr, 0.0, 1e3, "peak learning rate"),
      double_key<T>("train.weight_decay", tr, &T::weight_decay, 0.0, 10.0, "weight decay"),
      double_key<T>("train.momentum", tr, &T::momentum, 0.0, 0.9999, "SGD momentum"),
      bool_key<T>("train.nesterov", tr, &T::nesterov, "SGD Nesterov momentum"),
      double_key<T>("train.beta1", tr, &T::beta1, 0.0, 0.9999, "Adam beta1"),
      double_key<T>("train.beta2", tr, &T::beta2, 0.0, 0.99999, "Adam beta2"),
      string_key<T>("train.schedule", tr, &T::schedule, {"constant", "cosine", "step"},
                    "learning-rate schedule after warm-up"),
      int_key<T>("train.warmup_steps", tr, &T::warmup_steps, 0, kMax, "linear warm-up steps"),
      double_key<T>("train.min_lr", tr, &T::min_lr, 0.0, 1e3, "cosine: final learning rate"),
      int_key<T>("train.step_size", tr, &T::step_size, 1, kMax, "step: steps between decays"),
      double_key<T>("train.gamma", tr, &T::gamma, 0.0, 1.0, "step: decay factor"),
      double_key<T>("train.grad_clip", tr, &T::grad_clip, 0.0, kInf,
                    "clip the global gradient norm (0 = off)"),
      int_key<T>("train.log_every", tr, &T::log_every, 1, kMax, "steps between log rows"),
      int_key<T>("train.checkpoint_every", tr, &T::checkpoint_every, 0, kMax,
                 "steps between checkpoints (0 = at each evaluation and at the end)"),
      int_key<T>("train.keep_checkpoints", tr, &T::keep_checkpoints, 1, kMax,
                 "complete checkpoints kept"),
      bool_key<T>("train.requeue", tr, &T::requeue, "Slurm: requeue the job when signalled"),
      string_key<T>("train.dist_backend", tr, &T::dist_backend, {"auto", "gloo", "nccl"},
                    "data parallel: auto (nccl on CUDA, else gloo) | gloo | nccl"),
      double_key<T>("train.bucket_mb", tr, &T::bucket_mb, 0.001, 1e4,
                    "data parallel: MiB of gradients per all-reduce"),
      int_key<T>("train.dist_timeout_s", tr, &T::dist_timeout_s, 1, 86400,
                 "data parallel: seconds to wait for the other ranks"),
      string_key<T>("train.probe_from", tr, &T::probe_from, {},
                    "a run directory: train its heads, all but the deepest exit's, on its "
                    "frozen model (probes; docs/method.md)"),

      int_key<V>("eval.every", ev, &V::every, 0, kMax,
                 "steps between per-depth validation curves (0 = once per epoch)"),
      string_key<V>("eval.depths", ev, &V::depths, {}, "depths evaluated at the end (1..N, all)"),
      string_key<V>("eval.split", ev, &V::split, {"train", "val", "test"},
                    "split evaluated at the end of training"),
      int_key<V>("eval.batch_size", ev, &V::batch_size, 1, 1 << 24, "evaluation batch size"),
      int_key<V>("eval.max_batches", ev, &V::max_batches, 0, kMax,
                 "cap on batches for periodic curves (0 = whole split)"),

      string_key<O>("output.root", ou, &O::root, {}, "where run folders go"),
      string_key<O>("output.run_id", ou, &O::run_id, {}, "run folder name (\"\" = timestamp)"),
      bool_key<O>("output.tensorboard", ou, &O::tensorboard,
                  "TensorBoard event files in <run>/tb/ (training and validation scalars)"),
  };
}

}  // namespace

const std::vector<ConfigKey>& config_schema() {
  static const std::vector<ConfigKey> schema = build_schema();
  return schema;
}

const ConfigKey* find_config_key(const std::string& path) {
  for (const auto& k : config_schema())
    if (k.path == path) return &k;
  return nullptr;
}

const std::vector<std::string>& config_sections() {
  static const std::vector<std::string> s = {"experiment", "model", "data", "loss",
                                             "train",      "eval",  "output"};
  return s;
}

}  // namespace lpa
