// One function per subcommand; apps/lpa/main.cpp only parses arguments into these structs.
#pragma once
#include <string>
#include <vector>

namespace lpa::cli {

struct TrainOptions {
  std::string config;
  std::vector<std::string> overrides;  // --set key=value
  std::string run_dir;
  std::string probe_from;  // --probe-from RUN: train.probe_from; the config defaults to RUN's
};
int run_train(const TrainOptions& o);

struct EvalOptions {
  std::string run_dir;
  std::string model;        // an exported file instead of a run (--model)
  std::string depths = "all";
  std::string split = "test";
  std::string device = "";  // "" = the run's train.device (cpu for --model)
  int64_t batch_size = 0;   // 0 = the run's eval.batch_size
  // Early exit (classifiers): criterion, and either a target accuracy or an average-depth budget.
  std::string early_exit;
  double target_accuracy = -1;
  double budget = -1;
  // Inputs, targets and outputs of the first samples, as safetensors (interop tests).
  std::string save_outputs;
  int64_t save_samples = 256;
};
int run_eval(const EvalOptions& o);
int run_eval_model(const EvalOptions& o);   // --model FILE
int run_eval_hf_folder(const EvalOptions& o);  // --model DIR (lpa export --format hf)
int run_early_exit(const EvalOptions& o);   // --early-exit

// Early exit flags shared by predict, export and bench: a criterion, and exactly one of a
// threshold (in its units: probability, or entropy in nats),
// the validation accuracy to keep (as a fraction, or as points below full depth's), or an
// average-depth budget (calibrated on the validation split).
struct ExitRuleOptions {
  std::string criterion;  // "" = no early exit
  double threshold = -1;
  double target_accuracy = -1;
  double max_drop = -1;   // points of val accuracy below full depth's (a target accuracy)
  double budget = -1;
};

struct ExportOptions {
  std::string run_dir;
  std::string depth;              // K or auto
  double tolerance = 0.5;         // auto: points of accuracy, or percent of a loss
  std::string format = "torchscript";
  std::string output;
  ExitRuleOptions exit;           // carry every exit and this rule
};
int run_export(const ExportOptions& o);

struct PredictOptions {
  std::string run_dir;
  std::string model;        // an exported file instead of a run
  std::string input;        // IDX / CIFAR file, text file or folder, CSV of features
  std::string labels;       // IDX labels for IDX images (optional): adds correct + accuracy
  std::string output;       // predictions CSV
  std::string device = "";  // "" = the run's train.device (cpu for --model)
  int64_t depth = 0;        // 0 = the run's full depth / the export's depth
  int64_t batch_size = 256;
  bool cuda_graph = false;  // the forward replayed from a CUDA graph at --batch-size (--run, no early exit)
  ExitRuleOptions exit;     // with --model and no flags: the rule stored in the export
};
int run_predict(const PredictOptions& o);
int run_predict_language_model(const PredictOptions& o);  // a row per document: nll, perplexity

struct BenchOptions {
  std::string run_dir;
  std::string config;             // instead of a run: a config's model with fresh weights
  std::vector<std::string> overrides;
  std::string output;             // default <run>/latency.csv, or ./latency.csv with --config
  std::string device = "";        // "" = the run's / config's train.device
  std::string depths = "all";
  int64_t batch = 256;            // throughput batch
  int64_t runs = 200;             // timed batch-1 runs per depth
  int64_t warmup = 20;
  int64_t threads = 0;            // 0 = the config's train.threads
  bool cuda_graph = false;        // each depth's forward replayed from a CUDA graph
  // --early-exit: wall-clock of real early exit against full depth (a run's test split,
  // batch 1 and --batch), next to the FLOPs estimate; writes <run>/early_exit_bench.csv.
  ExitRuleOptions exit;
  // --speculative (language models): greedy self-speculative decoding for every draft depth
  // E x draft tokens d against full-depth decoding; writes <run>/speculative.csv.
  bool speculative = false;
  std::string draft_depths = "";           // depth spec; "" = 1..N-1
  std::string draft_tokens = "1,2,4,8";
  std::string prompt;                      // "" = the first bytes of the run's test split
  int64_t max_tokens = 256;
  double temperature = 0;                  // > 0: sampled (the output is then not compared)
};
int run_bench(const BenchOptions& o);
int run_bench_early_exit(const BenchOptions& o);
int run_bench_speculative(const BenchOptions& o);

struct ConfigOptions {
  std::string config;
  std::vector<std::string> overrides;
  bool keys = false;   // list every key with its doc instead
  bool roles = false;  // list every key with its role (lpa/config/key_roles.h) instead
};
int run_config(const ConfigOptions& o);

struct InitOptions {
  std::string name;    // a shipped config (configs/NAME.yaml)
  std::string output;  // "" = ./NAME.yaml
  bool list = false;
  bool force = false;  // replace an existing output file
};
int run_init(const InitOptions& o);

struct RunsOptions {
  std::string root = "runs";
  std::string format = "table";  // table | csv | markdown
  std::string sort;              // a column or config key; "" = by run directory
  bool descending = false;
};
int run_runs(const RunsOptions& o);

struct PlotOptions {
  std::vector<std::string> run_dirs;
  std::string output;
  std::string kind = "depth";  // depth | curves | early-exit | latency
  std::string split = "test";
  std::string metric = "";     // "" = the task's primary metric (curves: the training loss)
  std::string depths = "";     // curves: which depths ("" = 1, N/4, N/2, N)
  std::string x = "depth";     // early-exit: average depth or mflops
  std::string y_scale = "auto";  // auto | linear | log
};
int run_plot(const PlotOptions& o);

struct CompareOptions {
  std::vector<std::string> run_dirs;
  std::string metric = "";  // "" = the task's primary metric
  std::string split = "test";
  std::string format = "table";  // table | csv | markdown
};
int run_compare(const CompareOptions& o);

struct GenerateOptions {
  std::string run_dir;
  std::string model;  // a Hugging Face-layout folder (a checkpoint, lpa export --format hf) instead of a run
  int64_t depth = 0;  // 0 = full depth
  std::string prompt;
  int64_t max_tokens = 200;
  double temperature = 0.8;
  int64_t top_k = 0;
  double top_p = 1.0;
  uint64_t seed = 0;
  std::string stop;
  std::string device = "";  // "" = the run's train.device
  bool no_cache = false;    // recompute the window for every token (to measure the cache)
  int64_t draft_depth = 0;  // > 0: self-speculative decoding, drafting with blocks 1..E
  int64_t draft_tokens = 4;
};
int run_generate(const GenerateOptions& o);

struct TokenizeOptions {
  std::string tokenizer = "bytes";  // bytes | a folder with tokenizer.json or GPT-2's BPE files
  std::vector<std::string> files;   // "-" = stdin; encoding prints one line of ids per file
  bool decode = false;              // each FILE holds ids (whitespace-separated): print their text
};
int run_tokenize(const TokenizeOptions& o);
struct SweepOptions {
  std::string file;
  bool list = false;
  int64_t task = -1;  // -1 = not given
  bool all = false;
  std::vector<std::string> overrides;  // --set, applied to every task after the sweep's own
  std::string root;                    // --root: replaces the sweep file's root ("" = keep)
};
int run_sweep(const SweepOptions& o);

}  // namespace lpa::cli
