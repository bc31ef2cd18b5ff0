// The typed experiment configuration: one struct per YAML section. Every key is declared once in
// config/schema.cpp (name, type, range, doc); parsing, --set, validation and dumping all use it.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lpa {

struct ExperimentSection {
  std::string name = "experiment";
  std::string notes;
};

struct ModelSection {
  std::string type = "residual_mlp";  // residual_mlp | resnet | transformer
  int64_t depth = 16;                 // number of residual blocks (= number of exits)
  int64_t width = 128;                // hidden width (MLP), d_model (transformer)
  std::string head = "shared";        // shared | per_depth | per_stage
  std::string activation = "relu";    // relu | gelu | tanh | silu
  std::string norm = "none";          // none | layernorm (MLP blocks)
  double dropout = 0.0;
  double init_scale = 1.0;            // multiplies the init of each block's last layer
  // ResNet
  std::string preset = "";            // resnet20 | resnet32 | resnet56 | "" (use stages/widths)
  std::vector<int64_t> stages = {3, 3, 3};      // blocks per stage
  std::vector<int64_t> widths = {16, 32, 64};   // channels per stage
  bool preact = false;
  bool isotropic = false;             // one width, no downsampling: allows a shared head
  // ResNet and residual MLP
  int64_t exit_width = 0;             // > 0: each exit first applies its own adapter to this many channels / features
  // Transformer
  int64_t heads = 4;
  double mlp_ratio = 4.0;
  std::string positions = "learned";  // learned | rotary
  bool tie_weights = true;
  bool causal = true;                 // false for the encoder classifier
  std::string pool = "mean";          // mean | cls (classifier)
  std::string pretrained = "";        // a Hugging Face-layout folder (GPT-2, Llama): models/pretrained.h
};

struct DataSection {
  std::string type = "surface";       // surface | idx | cifar10 | cifar100 | text | text_classification
  int64_t batch_size = 128;
  // surface
  std::string function = "franke";
  int64_t dim = 2;
  int64_t n_train = 4096;
  int64_t n_val = 1024;
  int64_t n_test = 4096;
  std::string sampling = "uniform";   // uniform | grid
  double noise = 0.0;
  // files on disk (idx, cifar, text)
  std::string root = "";
  std::string train_images = "";
  std::string train_labels = "";
  std::string test_images = "";
  std::string test_labels = "";
  double val_fraction = 0.1;
  bool augment = false;               // random crop + flip (images), random windows (text)
  int64_t crop_padding = 4;
  bool flip = true;
  bool flatten = false;               // images as vectors (for residual_mlp)
  int64_t train_limit = 0;            // images: train on a seeded subset of this size (0 = all)
  // text
  std::vector<std::string> files;
  std::vector<std::string> extensions = {".txt"};  // files read from folders; empty = every file
  std::map<std::string, std::string> label_map;     // label folder -> class name (classification)
  int64_t seq_len = 128;
  double test_fraction = 0.05;
  std::string csv = "";
  int64_t limit_bytes = 0;            // 0 = whole corpus
  int64_t seed = -1;                  // data split seed; -1 = train.seed
  bool strip_headers = false;         // text_classification: drop everything up to the first blank line
  std::string tokenizer = "bytes";    // text: bytes | a folder with tokenizer.json or GPT-2's BPE files
  int64_t device_cache_mb = 2048;     // accelerators: datasets up to this size live on the device
};

struct LossSection {
  std::string kind = "lpa";           // e2e | lpa
  std::string mode = "joint";         // joint | local | sequential
  std::string weights = "uniform";    // uniform | linear | sqrt | inverse | sdn | adaptive | list
  std::vector<double> weight_list;    // when weights is given as a YAML list
  double adaptive_decay = 0.99;       // adaptive weights: EMA decay of each depth's loss
  double final_weight = 0.0;          // deepest exit's weight / sum of the others; 0 = as weighted
  double aux_ramp = 0.0;              // fraction of steps over which exits < N ramp up; 0 = off
  double layer_drop = 0.0;            // max rate (last block); rises with depth
  std::string layer_drop_shape = "linear";  // linear | exponential (LayerSkip's)
  std::string curriculum = "none";    // none | rotational | gradual (LayerSkip's curricula)
  int64_t rotation_period = 0;        // exits active per step under rotational; 0 = depth/4
  double label_smoothing = 0.0;
  double distill_alpha = 0.0;         // self-distillation from the deepest exit; 0 = off
  double distill_temperature = 3.0;   // softmax temperature of the distillation term
  bool gradient_equilibrium = false;  // blocks get the mean, not the sum, of later exits' gradients
  double e2e_fraction = 0.0;          // two-phase: E2E for this fraction of the steps, then LPA
  // weighted | normalised: a head serving exits of total weight W gets its gradient divided by
  // W (the blocks' gradients unchanged), so a shallow head learns at the optimiser's rate
  std::string head_gradient = "weighted";
};

struct TrainSection {
  int64_t steps = 0;                  // when > 0 overrides epochs
  int64_t epochs = 10;
  int64_t seed = 0;
  std::string device = "auto";        // auto | cpu | cuda | cuda:i
  int64_t threads = 0;                // 0 = all cores
  std::string optimizer = "adam";     // adam | adamw | sgd
  double lr = 1e-3;
  double weight_decay = 0.0;
  double momentum = 0.9;
  bool nesterov = false;
  double beta1 = 0.9;
  double beta2 = 0.999;
  std::string schedule = "cosine";    // constant | cosine | step
  int64_t warmup_steps = 0;
  double min_lr = 0.0;                // cosine floor
  int64_t step_size = 1000;           // step schedule: decay every step_size steps
  double gamma = 0.1;                 // step schedule: decay factor
  double grad_clip = 0.0;             // max global grad norm; 0 = off
  std::string precision = "fp32";     // fp32 | tf32 | bf16 | fp16 (train/precision.h)
  bool deterministic = false;         // CUDA: deterministic algorithms, cuDNN benchmark off
  double loss_scale = 65536.0;        // fp16: initial dynamic loss scale
  int64_t loss_scale_window = 2000;   // fp16: good steps before the scale grows
  bool activation_checkpointing = false;  // recompute each block in backward instead of storing it
  bool cuda_graph = false;            // CUDA: capture the whole step once, replay it (train/graphed_step.h)
  int64_t log_every = 50;
  int64_t checkpoint_every = 0;       // steps; 0 = at each eval and at the end
  int64_t keep_checkpoints = 2;
  bool requeue = false;               // under Slurm: requeue the job on SIGUSR1/SIGTERM
  std::string dist_backend = "auto";  // data parallel: auto | gloo | nccl
  double bucket_mb = 25.0;            // data parallel: gradient all-reduce bucket size
  int64_t dist_timeout_s = 300;       // data parallel: rendezvous and collective timeout
  std::string probe_from = "";        // a run directory: train only its heads on its frozen model
};

struct EvalSection {
  int64_t every = 0;                  // steps between per-depth validation curves; 0 = each epoch
  std::string depths = "all";         // depth spec for the final evaluation
  std::string split = "test";         // split evaluated at the end of training
  int64_t batch_size = 512;
  int64_t max_batches = 0;            // cap for periodic evaluation (0 = whole split)
};

struct OutputSection {
  std::string root = "runs";
  std::string run_id = "";            // "" = timestamp
  bool tensorboard = true;            // TensorBoard event files in <run>/tb/
};

struct ExperimentConfig {
  ExperimentSection experiment;
  ModelSection model;
  DataSection data;
  LossSection loss;
  TrainSection train;
  EvalSection eval;
  OutputSection output;
  std::string source;                 // the file it came from (for messages)
  std::map<std::string, int> key_lines;  // "section.key" -> 1-based line in source, or --set
  std::vector<std::string> overrides;    // the --set arguments applied, in order

  // "file:line: key" (or "--set key") for messages about one key.
  std::string where(const std::string& key) const;
};

}  // namespace lpa
