// lpa: train and evaluate residual networks with Layer-wise Progressive Approximation.
// Thin by design: parse arguments, call one function in src/lpa/cli/, map errors to exit codes
// (2 = bad input, 3 = training diverged, 128+n = stopped by signal n, 1 = a bug of ours).
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/unknown_argument.h"
#include "lpa/errors.h"
#include "lpa/train/host_memory.h"
#include "lpa/train/trainer.h"
#include "lpa/version.h"

namespace {

int dispatch(int argc, char** argv) {
  CLI::App app{"lpa: residual networks trained with Layer-wise Progressive Approximation"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] { return lpa::version_banner(); });

  lpa::cli::TrainOptions train;
  auto* t = app.add_subcommand("train", "train a model (resumes a run directory with a checkpoint)");
  t->add_option("--config", train.config, "experiment YAML (required unless --probe-from)");
  t->add_option("--set", train.overrides, "override a key: section.key=value (repeatable)");
  t->add_option("--run-dir", train.run_dir, "run directory (default runs/<name>/<timestamp>)");
  t->add_option("--probe-from", train.probe_from,
                "train RUN_DIR's heads, all but the deepest exit's, on its frozen model "
                "(= --set train.probe_from=RUN_DIR; default config: RUN_DIR's)");

  lpa::cli::EvalOptions eval;
  auto* e = app.add_subcommand("eval", "per-depth metrics of a trained run");
  e->add_option("--run", eval.run_dir, "run directory");
  e->add_option("--model", eval.model, "an exported file (lpa export) instead of a run");
  e->add_option("--depths", eval.depths, "all | 1..N | 2..16:2 | 1,2,4,8");
  e->add_option("--split", eval.split, "train | val | test");
  e->add_option("--device", eval.device, "override the run's device");
  e->add_option("--batch-size", eval.batch_size, "evaluation batch size");
  e->add_option("--early-exit", eval.early_exit, "per-sample early exit: confidence | entropy");
  e->add_option("--target-accuracy", eval.target_accuracy, "early exit: calibrate for this val accuracy (0..1)");
  e->add_option("--budget", eval.budget, "early exit: calibrate for this average depth");
  e->add_option("--save-outputs", eval.save_outputs, "write inputs, targets, outputs (safetensors)");
  e->add_option("--save-samples", eval.save_samples, "samples in --save-outputs");

  // The early-exit flags predict, export and bench share.
  auto add_exit_flags = [](CLI::App* cmd, lpa::cli::ExitRuleOptions& r) {
    cmd->add_option("--early-exit", r.criterion, "per-sample early exit: confidence | entropy");
    cmd->add_option("--threshold", r.threshold, "early exit: stop at this sureness (probability, or entropy in nats)");
    cmd->add_option("--target-accuracy", r.target_accuracy, "early exit: calibrate for this val accuracy (0..1)");
    cmd->add_option("--max-drop", r.max_drop, "early exit: calibrate for val accuracy within P points of full depth");
    cmd->add_option("--budget", r.budget, "early exit: calibrate for this average depth");
  };

  lpa::cli::ExportOptions exp;
  auto* x = app.add_subcommand("export", "export the model truncated at one depth");
  x->add_option("--run", exp.run_dir, "run directory")->required();
  x->add_option("--depth", exp.depth, "K (1..N) or auto")->required();
  x->add_option("--tolerance", exp.tolerance, "auto: accuracy points, or percent of a loss");
  x->add_option("--format", exp.format, "torchscript | safetensors | hf (a Hugging Face folder: -o DIR)");
  x->add_option("-o,--output", exp.output, "output file")->required();
  add_exit_flags(x, exp.exit);

  lpa::cli::PredictOptions pred;
  auto* pr = app.add_subcommand("predict", "one prediction per input sample, with real early exit (predictions.csv)");
  pr->add_option("--run", pred.run_dir, "run directory");
  pr->add_option("--model", pred.model, "an exported file (lpa export), or a Hugging Face folder (a language model: "
                                         "scores each document), instead of a run");
  pr->add_option("--input", pred.input, "IDX or CIFAR file, text file (a document per line) or folder, CSV of features")
      ->required();
  pr->add_option("--labels", pred.labels, "IDX labels for IDX images: adds label, correct and accuracy");
  pr->add_option("-o,--output", pred.output, "predictions CSV")->required();
  pr->add_option("--depth", pred.depth, "run: the deepest exit (default the full depth)");
  pr->add_option("--batch-size", pred.batch_size, "samples per batch (default 256)");
  pr->add_option("--device", pred.device, "override the run's device (cpu for --model)");
  pr->add_flag("--cuda-graph", pred.cuda_graph, "CUDA: replay the forward from a CUDA graph (--run, no early exit)");
  add_exit_flags(pr, pred.exit);

  lpa::cli::BenchOptions bench;
  auto* b = app.add_subcommand("bench", "latency and throughput per depth (latency.csv)");
  b->add_option("--run", bench.run_dir, "run directory");
  b->add_option("--config", bench.config, "experiment YAML (fresh weights) instead of a run");
  b->add_option("--set", bench.overrides, "with --config: override a key (repeatable)");
  b->add_option("-o,--output", bench.output, "CSV (default <run>/latency.csv or ./latency.csv)");
  b->add_option("--device", bench.device, "cpu | cuda | cuda:i (default: the config's)");
  b->add_option("--depths", bench.depths, "depths to time: all | 1..N | 2..16:2 | 1,2,4,8");
  b->add_option("--batch", bench.batch, "throughput batch size");
  b->add_option("--runs", bench.runs, "timed batch-1 runs per depth");
  b->add_option("--warmup", bench.warmup, "untimed runs first");
  b->add_option("--threads", bench.threads, "CPU threads (default: the config's train.threads)");
  b->add_flag("--cuda-graph", bench.cuda_graph, "CUDA: each depth's forward captured once as a CUDA graph, replayed");
  add_exit_flags(b, bench.exit);
  b->add_flag("--speculative", bench.speculative, "language models: self-speculative decoding, draft depth x tokens");
  b->add_option("--draft-depths", bench.draft_depths, "speculative: draft depths (default 1..N-1)");
  b->add_option("--draft-tokens", bench.draft_tokens, "speculative: tokens drafted per step, e.g. 1,2,4,8");
  b->add_option("--prompt", bench.prompt, "speculative: prompt (default: the start of the test split)");
  b->add_option("--max-tokens", bench.max_tokens, "speculative: tokens generated per run (default 256)");
  b->add_option("--temperature", bench.temperature, "speculative: 0 = greedy, checked byte for byte (default); > 0 sampled");

  lpa::cli::ConfigOptions config;
  auto* c = app.add_subcommand("config", "print the resolved config");
  c->add_option("--config", config.config, "experiment YAML");
  c->add_option("--set", config.overrides, "override a key: section.key=value (repeatable)");
  c->add_flag("--keys", config.keys, "list every config key with its meaning");
  c->add_flag("--roles", config.roles,
              "list every config key with what it says about a run: computes, length, placement or launch");

  lpa::cli::PlotOptions plot;
  auto* p = app.add_subcommand("plot", "plot runs as SVG: per depth, training curves, early exit, latency");
  p->add_option("runs", plot.run_dirs, "run directories")->required();
  p->add_option("-o,--output", plot.output, "output .svg")->required();
  p->add_option("--kind", plot.kind, "depth (per_depth.csv) | curves (train_log.csv, curves.csv) | "
                                     "early-exit (early_exit.csv) | latency (latency.csv)");
  p->add_option("--split", plot.split, "split rows to plot (default test)");
  p->add_option("--metric", plot.metric, "metric column (default: the task's; curves: the training loss)");
  p->add_option("--depths", plot.depths, "curves: depths to draw (default 1, N/4, N/2, N)");
  p->add_option("--x", plot.x, "early-exit: depth (average) | mflops");
  p->add_option("--y-scale", plot.y_scale, "auto (log when the values span a decade) | linear | log");

  lpa::cli::CompareOptions compare;
  auto* cmp = app.add_subcommand("compare", "runs side by side: differing config keys, a metric per depth");
  cmp->add_option("runs", compare.run_dirs, "run directories")->required();
  cmp->add_option("--metric", compare.metric, "per_depth.csv column (default: the task's)");
  cmp->add_option("--split", compare.split, "split rows to compare (default test)");
  cmp->add_option("--format", compare.format, "table | csv | markdown");

  lpa::cli::RunsOptions runs;
  auto* rs = app.add_subcommand("runs", "one row per run directory under ROOT: state, steps, time, metric at N and N/2");
  rs->add_option("root", runs.root, "folder of run directories, searched at any depth (default runs/)");
  rs->add_option("--format", runs.format, "table | csv | markdown");
  rs->add_option("--sort", runs.sort, "a column (state, steps, elapsed, at_N, ...) or a config key");
  rs->add_flag("--descending", runs.descending, "sort from the largest");

  lpa::cli::InitOptions init;
  auto* in = app.add_subcommand("init", "write a shipped config as a commented starting point");
  in->add_option("name", init.name, "a shipped config (lpa init --list)");
  in->add_flag("--list", init.list, "list the shipped configs with their notes");
  in->add_option("-o,--output", init.output, "file to write (default ./NAME.yaml)");
  in->add_flag("--force", init.force, "replace the output file if it exists");

  lpa::cli::GenerateOptions gen;
  lpa::cli::TokenizeOptions tok;
  auto* tk = app.add_subcommand("tokenize", "print the token ids of a text file (or, with --decode, the text of ids)");
  tk->add_option("--tokenizer", tok.tokenizer, "bytes | a folder with tokenizer.json or GPT-2's vocab.json + merges.txt")
      ->required();
  tk->add_option("FILE", tok.files, "text files (- = stdin): one line of ids per file")->required();
  tk->add_flag("--decode", tok.decode, "each FILE holds whitespace-separated ids: print their text");

  auto* g = app.add_subcommand("generate", "sample text from a language-model run at any depth");
  g->add_option("--run", gen.run_dir, "run directory");
  g->add_option("--model", gen.model, "a Hugging Face-layout folder (a checkpoint, or lpa export --format hf) instead of a run");
  g->add_option("--depth", gen.depth, "exit to generate from (default: the full depth)");
  g->add_option("--prompt", gen.prompt, "text to continue")->required();
  g->add_option("--max-tokens", gen.max_tokens, "tokens (bytes) to generate (default 200)");
  g->add_option("--temperature", gen.temperature, "0 = greedy (default 0.8)");
  g->add_option("--top-k", gen.top_k, "sample among the k most likely tokens (0 = all)");
  g->add_option("--top-p", gen.top_p, "nucleus sampling mass in (0, 1] (1 = off)");
  g->add_option("--seed", gen.seed, "sampling seed (default 0)");
  g->add_option("--stop", gen.stop, "stop when the output contains this text");
  g->add_option("--device", gen.device, "override the run's device");
  g->add_flag("--no-cache", gen.no_cache, "recompute the whole window per token (to compare)");
  g->add_option("--draft-depth", gen.draft_depth, "self-speculative decoding: draft with blocks 1..E, verify with the rest");
  g->add_option("--draft-tokens", gen.draft_tokens, "self-speculative decoding: tokens drafted per step (default 4)");
  lpa::cli::SweepOptions sweep;
  auto* s = app.add_subcommand("sweep", "expand a sweep file into tasks; run one or all");
  s->add_option("file", sweep.file, "sweep YAML (base config + grid/list of overrides + seeds)")->required();
  auto* s_list = s->add_flag("--list", sweep.list, "print the numbered tasks and their run directories");
  auto* s_task = s->add_option("--task", sweep.task, "run task I (e.g. $SLURM_ARRAY_TASK_ID) in its run directory");
  auto* s_all = s->add_flag("--all", sweep.all, "run every task in turn on this machine");
  s->add_option("--set", sweep.overrides, "extra override for every task (repeatable)");
  s->add_option("--root", sweep.root, "run the tasks under this folder instead of the file's root");
  s_list->excludes(s_task)->excludes(s_all);
  s_task->excludes(s_all);

  lpa::cli::check_command_line(app, std::vector<std::string>(argv + 1, argv + argc));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    if (err.get_exit_code() == 0) return app.exit(err);  // --help, --version
    // One line, as for every other bad input (CLI11 would add "Run with --help ...").
    const std::string what = err.what();
    throw lpa::UserError(what.substr(0, what.find('\n')));
  }
  if (c->parsed() && config.config.empty() && !config.keys && !config.roles)
    throw lpa::UserError("config: --config FILE is required (or --keys, --roles)");

  if (s->parsed() && !sweep.list && !sweep.all && sweep.task < 0)
    throw lpa::UserError("sweep: say what to do: --list, --task I or --all");
  if (s->parsed() && s_task->count() > 0 && sweep.task < 0)
    throw lpa::UserError("sweep: --task " + std::to_string(sweep.task) + " is not a task number");
  if (t->parsed() && train.config.empty() && train.probe_from.empty())
    throw lpa::UserError("train: --config FILE is required (or --probe-from RUN_DIR)");
  if (t->parsed()) return lpa::cli::run_train(train);
  if (s->parsed()) return lpa::cli::run_sweep(sweep);
  if (e->parsed()) return lpa::cli::run_eval(eval);
  if (x->parsed()) return lpa::cli::run_export(exp);
  if (pr->parsed()) return lpa::cli::run_predict(pred);
  if (b->parsed()) return lpa::cli::run_bench(bench);
  if (c->parsed()) return lpa::cli::run_config(config);
  if (p->parsed()) return lpa::cli::run_plot(plot);
  if (cmp->parsed()) return lpa::cli::run_compare(compare);
  if (g->parsed()) return lpa::cli::run_generate(gen);
  if (tk->parsed()) return lpa::cli::run_tokenize(tok);
  if (rs->parsed()) return lpa::cli::run_runs(runs);
  if (in->parsed()) return lpa::cli::run_init(init);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S] [%^%l%$] %v");
  // A file grown past `ulimit -f` would kill the process (SIGXFSZ's default) mid-write; ignored,
  // the write fails with EFBIG and becomes an error naming the file, like a full disk.
  std::signal(SIGXFSZ, SIG_IGN);
  // Before any tensor: every step's buffers then come from memory the process already holds.
  // (What it did, its returned line, is for the tests; no log level here would show it.)
  lpa::keep_freed_host_memory();
  try {
    return dispatch(argc, argv);
  } catch (const lpa::UserError& e) {
    std::cerr << "lpa: error: " << e.what() << std::endl;
    return 2;
  } catch (const lpa::TrainingDiverged& e) {
    std::cerr << "lpa: error: " << e.what() << std::endl;
    return 3;
  } catch (const lpa::StopRequested& e) {
    std::cerr << "lpa: " << e.what() << std::endl;
    return e.exit_code;
  } catch (const std::exception& e) {
    std::string what = e.what();
    std::cerr << "lpa: internal error: " << what.substr(0, what.find('\n')) << std::endl;
    return 1;
  }
}
