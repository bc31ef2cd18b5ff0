#include <spdlog/spdlog.h>

#include <ctime>
#include <iostream>
#include <thread>

#include "lpa/cli/commands.h"
#include "lpa/cli/resume_check.h"
#include "lpa/cli/load_run.h"
#include "lpa/cli/probe_source.h"
#include "lpa/cli/run_plots.h"
#include "lpa/config/load.h"
#include "lpa/data/registry.h"
#include "lpa/errors.h"
#include "lpa/eval/depth_spec.h"
#include "lpa/eval/report.h"
#include "lpa/io/files.h"
#include "lpa/io/run_dir.h"
#include "lpa/dist/data_parallel.h"
#include "lpa/dist/rendezvous.h"
#include "lpa/eval/per_depth.h"
#include "lpa/objectives/probe.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/run_status.h"
#include "lpa/train/signals.h"
#include "lpa/train/device.h"
#include "lpa/train/trainer.h"
#include "lpa/version.h"

namespace lpa::cli {
namespace {

std::string now_text() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&t));
  return buf;
}

struct RunDirState {
  bool resuming = false;  // it holds checkpoints
  ResumeCheck change;     // what differs from the config it holds
  std::vector<std::pair<std::string, std::string>> meta;  // its config.yaml's meta
};

// A run directory that already holds a config must hold one that computes the same thing:
// resuming someone else's run with other settings would silently mix two experiments.
RunDirState prepare_run_dir(const RunDir& run, const ExperimentConfig& cfg) {
  RunDirState s;
  if (!file_exists(run.config())) return s;
  s.change = check_resume(load_config(run.config()), cfg);
  if (!s.change.refused.empty())
    throw UserError(run.path + ": holds a run with a different config: " + s.change.refused +
                    "; choose another --run-dir");
  s.meta = load_meta(run.config());
  s.resuming = !list_checkpoints(run.checkpoints()).empty();
  return s;
}

std::string meta_value(const std::vector<std::pair<std::string, std::string>>& meta, const std::string& key) {
  for (const auto& [k, v] : meta)
    if (k == key) return v;
  return "";
}

// Says what changed since the run's last start; returns config.yaml's `extended` record: each
// extension "train.steps 300 -> 600 at step 300 (<date>)", oldest first.
std::string report_resume_changes(const RunDirState& s, int64_t step, int64_t world_size, const std::string& run_path) {
  std::string extended = meta_value(s.meta, "extended");
  if (!s.resuming || step == 0) return extended;
  for (const auto& m : s.change.moved)
    spdlog::warn("{}: {} since the run's last start: it continues, but its last bits may differ from a run that "
                 "stayed put", run_path, m);
  const std::string processes = meta_value(s.meta, "processes");
  if (!processes.empty() && processes != std::to_string(world_size))
    spdlog::warn("{}: data parallel over {} processes, {} before (the global batch is the same): it continues, "
                 "but its last bits may differ from a run that stayed put", run_path, world_size, processes);
  if (!s.change.extension.empty()) {
    spdlog::info("extending the run: {} from step {}; the learning-rate schedule from here is the longer run's",
                 s.change.extension, step);
    extended += (extended.empty() ? "" : "; ") + s.change.extension + " at step " + std::to_string(step) + " (" +
                now_text() + ")";
  }
  return extended;
}

// --probe-from RUN: train.probe_from=RUN, set last so it is the command line's word, and RUN's
// own config when no --config is given.
TrainOptions with_probe_source(TrainOptions o) {
  if (o.probe_from.empty()) return o;
  if (o.config.empty()) {
    try {
      o.config = open_run_dir(o.probe_from).config();
    } catch (const UserError& e) {
      throw UserError(std::string("--probe-from ") + e.what());
    }
  }
  o.overrides.push_back("train.probe_from=" + o.probe_from);
  return o;
}

// A fresh probe run starts from the source's trained model; a resumed one from its checkpoint.
void start_probe_run(const ExperimentConfig& cfg, const DataSpec& spec, DepthwiseModel& model, bool resuming) {
  const std::vector<bool> trained = probe_trained_exits(model, cfg);
  std::string exits;
  for (size_t l = 1; l <= trained.size(); ++l)
    if (trained[l - 1]) exits += (exits.empty() ? "" : " ") + std::to_string(l);
  spdlog::info("probes: the heads of exits {} train; stem, blocks and exit {}'s head stay as in {}", exits,
               trained.size(), cfg.train.probe_from);
  if (resuming) return;
  spdlog::info("probes start from {}", load_probe_source(cfg, spec, model));
}

// status.yaml at the end of a start; a failure to write it must not hide why training ended.
void record_end(const RunDir& run, const std::string& state, int64_t total_steps, const std::string& why) {
  try {
    write_run_status(run, state, total_steps, why.substr(0, why.find('\n')));
  } catch (const UserError& e) {
    spdlog::warn("{}", e.what());
  }
}

// The final evaluation on eval.split: per_depth.csv, its plot and the report. `label_prefix`
// "pretrained_": the checkpoint's depths before fine-tuning, rows of their own in per_depth.csv.
void evaluate_trained(const ExperimentConfig& cfg, const Dataset& data, DepthwiseModel& model,
                      const std::vector<int64_t>& final_depths, torch::Device device, const dist::Rendezvous& rv,
                      const Parallelism& parallel, const RunDir& run, const std::string& label_prefix = "") {
  const bool main_rank = rv.rank == 0;
  const Split split = parse_split(cfg.eval.split);
  lpa::EvalOptions eo;
  eo.batch_size = cfg.eval.batch_size;
  eo.device = device;
  eo.rank = rv.rank;
  eo.world_size = rv.world_size;
  auto meters = accumulate_per_depth(model, data, split, final_depths, eo);
  if (parallel.sum_across_ranks)
    for (auto& m : meters) parallel.sum_across_ranks(m->state());
  if (!main_rank) return;
  std::vector<DepthResult> results;
  for (size_t i = 0; i < final_depths.size(); ++i)
    results.push_back({final_depths[i], meters[i]->metrics(), model.params_at_depth(final_depths[i]),
                       model.flops_per_sample(final_depths[i]) / 1e6});
  write_per_depth_csv(run.per_depth(), label_prefix + to_string(split), results);
  write_per_depth_svg(run);
  if (!label_prefix.empty()) std::cout << "before fine-tuning (" << cfg.model.pretrained << "):\n";
  std::cout << per_depth_report(split, results, data.spec().task);
  if (label_prefix.empty()) std::cout << "run directory: " << run.path << std::endl;
}

}  // namespace

int run_train(const TrainOptions& opts) {
  install_stop_signal_handlers();  // early: a signal during set-up stops at the first step
  const TrainOptions o = with_probe_source(opts);
  ExperimentConfig cfg = load_config(o.config, o.overrides);
  const dist::Rendezvous rv = dist::rendezvous_from_env();
  const bool main_rank = rv.rank == 0;
  if (!main_rank) spdlog::set_level(spdlog::level::warn);  // one process speaks for the job
  // Processes sharing a node share its cores: unless the launcher already pinned each one to
  // its own cores, "all cores" means this process's share.
  int64_t cores = available_cores();
  if (rv.local_world_size > 1 && cores == static_cast<int64_t>(std::thread::hardware_concurrency()))
    cores = std::max<int64_t>(1, cores / rv.local_world_size);
  const int64_t threads = configure_threads(cfg.train.threads > 0 ? cfg.train.threads : cores);
  const RunDir run = choose_run_dir(cfg, o.run_dir);
  if (rv.distributed() && o.run_dir.empty() && cfg.output.run_id.empty())
    throw UserError("data-parallel training needs one run directory for all ranks: pass --run-dir or set output.run_id");
  if (rv.distributed() && cfg.data.batch_size % rv.world_size != 0)
    throw UserError(cfg.where("data.batch_size") + ": the global batch of " + std::to_string(cfg.data.batch_size) +
                    " does not split evenly over " + std::to_string(rv.world_size) +
                    " data-parallel processes (each takes an equal share)");
  const RunDirState previous = prepare_run_dir(run, cfg);
  const bool resuming = previous.resuming;
  torch::Device device = resolve_device(cfg.train.device);
  if (device.is_cuda() && rv.distributed() && (cfg.train.device == "auto" || cfg.train.device == "cuda"))
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(
                                             rv.local_rank % static_cast<int64_t>(torch::cuda::device_count())));

  DatasetPtr data = make_dataset(cfg);
  ModelPtr model = build_model(cfg, data->spec());
  std::vector<int64_t> final_depths;
  try {
    final_depths = parse_depth_spec(cfg.eval.depths, model->depth());
  } catch (const UserError& e) {
    throw UserError(cfg.where("eval.depths") + ": " + e.what());
  }
  if (!cfg.train.probe_from.empty()) start_probe_run(cfg, data->spec(), *model, resuming);
  model->to(device);

  // Joining the group is a barrier: no rank writes before every rank has read the run dir.
  std::unique_ptr<dist::Communicator> comm;
  Parallelism parallel;
  if (rv.distributed()) {
    spdlog::info("data parallel: {} processes ({}), rank 0 at {}:{}", rv.world_size, rv.source,
                 rv.master_addr, rv.port);
    comm = dist::connect(rv, cfg.train.dist_backend, device, std::chrono::seconds(cfg.train.dist_timeout_s));
    parallel = dist::make_parallelism(*comm, cfg.train.bucket_mb);
    // BatchNorm normalises over the global batch, as one process would (docs/batchnorm.md).
    dist::Communicator* c = comm.get();
    model->synchronise_batch_norm([c](std::vector<torch::Tensor>& t) { c->all_reduce_sum(t); });
  }

  spdlog::info("{}", version_banner());
  spdlog::info("data: {}", data->describe());
  spdlog::info("model: {} with {} blocks, {} parameters, device {}", model->kind(), model->depth(),
               model->params_at_depth(model->depth()), device.str());
  spdlog::info("run directory: {}", run.path);

  Trainer trainer(cfg, run, data, model, device, parallel);
  trainer.resume();
  const std::string extended = report_resume_changes(previous, trainer.step(), rv.world_size, run.path);
  // Written only now that the checkpoint has read back: a resume that fails on it leaves the
  // run directory exactly as it was.
  if (main_rank) {
    make_dirs(run.path);
    std::vector<std::pair<std::string, std::string>> meta = {{"lpa_version", lpa_version()},
                                                             {"libtorch_version", libtorch_version()},
                                                             {"device", device.str()},
                                                             {"threads", std::to_string(threads)},
                                                             {"blas", blas_in_use()},
                                                             {"seed", std::to_string(cfg.train.seed)},
                                                             {"processes", std::to_string(rv.world_size)},
                                                             {"source_config", o.config},
                                                             {"written", now_text()}};
    if (!extended.empty()) meta.emplace_back("extended", extended);
    write_file_atomic(run.config(), config_to_yaml(cfg, meta));
  }
  if (comm) dist::broadcast_module(*comm, *model);  // identical replicas, whatever each loaded
  if (main_rank) write_run_status(run, "running", trainer.total_steps());
  try {
    // What fine-tuning changes: the checkpoint's own depths, once, before the first step.
    if (!cfg.model.pretrained.empty() && trainer.step() == 0)
      evaluate_trained(cfg, *data, *model, final_depths, device, rv, parallel, run, "pretrained_");
    trainer.run();
    evaluate_trained(cfg, *data, *model, final_depths, device, rv, parallel, run);
  } catch (const StopRequested& e) {
    if (main_rank) record_end(run, "stopped", trainer.total_steps(), e.what());
    throw;
  } catch (const std::exception& e) {
    if (main_rank) record_end(run, "failed", trainer.total_steps(), e.what());
    throw;
  }
  if (main_rank) record_end(run, "finished", trainer.total_steps(), "");
  return 0;
}

}  // namespace lpa::cli
