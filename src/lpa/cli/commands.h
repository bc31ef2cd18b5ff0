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
int run_early_exit(const EvalOptions& o);   // --early-exit

struct ExportOptions {
  std::string run_dir;
  std::string depth;              // K or auto
  double tolerance = 0.5;         // auto: points of accuracy, or percent of a loss
  std::string format = "torchscript";
  std::string output;
};
int run_export(const ExportOptions& o);

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
};
int run_bench(const BenchOptions& o);

struct ConfigOptions {
  std::string config;
  std::vector<std::string> overrides;
  bool keys = false;  // list every key with its doc instead
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
};
int run_generate(const GenerateOptions& o);
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
