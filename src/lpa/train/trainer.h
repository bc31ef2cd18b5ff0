// The training loop: one objective, one optimiser, seeded data order, periodic per-depth
// validation curves, atomic checkpoints, and a clean stop on signals.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "lpa/config/config.h"
#include "lpa/data/batch_sampler.h"
#include "lpa/data/dataset.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/run_dir.h"
#include "lpa/io/tfevents.h"
#include "lpa/models/depthwise_model.h"
#include "lpa/objectives/objective.h"
#include "lpa/train/capturable_optimizer.h"
#include "lpa/train/divergence_watch.h"
#include "lpa/train/gradient_sync.h"
#include "lpa/train/graphed_step.h"
#include "lpa/train/precision.h"
#include "lpa/train/progress.h"

namespace lpa {

// A NaN or Inf loss: the run stops (exit code 3) naming the step and the first depth whose
// loss is not finite. Found on the steps that log (and before evaluating or saving), not on
// every step: reading the loss back every step would stall an accelerator's queue.
struct TrainingDiverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// How this process takes part in data-parallel training; the default is one process.
struct Parallelism {
  int64_t rank = 0, world_size = 1;
  // Averages gradients across ranks, overlapped with backward (dist::GradientReducer).
  GradientSyncFactory make_gradient_sync;
  // Element-wise sum of a vector across ranks (metric states).
  std::function<void(std::vector<double>&)> sum_across_ranks;
  // Element-wise max across ranks: a stop signal seen by any rank stops all of them at the
  // same step (a rank leaving alone would block the others in their next all-reduce). Agreed
  // on the steps that log, not every step.
  std::function<void(std::vector<double>&)> max_across_ranks;
  bool is_main() const { return rank == 0; }
};

class Trainer {
 public:
  Trainer(const ExperimentConfig& cfg, RunDir run, DatasetPtr data, ModelPtr model,
          torch::Device device, Parallelism parallel = {});

  // Resumes from the newest complete checkpoint in the run directory, if any. Returns the step.
  int64_t resume();
  // Trains up to total_steps() (or, when stop_at > 0, up to step stop_at, then saves a
  // checkpoint: a planned interruption). Throws StopRequested after saving when a signal arrives.
  void run(int64_t stop_at = 0);

  int64_t total_steps() const { return total_steps_; }
  int64_t step() const { return step_; }
  std::string save();  // a checkpoint at the current step

 private:
  void train_step();
  LossOutput compute_loss(const Batch& b);  // the objective's forward, under train.precision's autocast
  LossOutput eager_step(const Batch& b);
  // train.cuda_graph: the step of kind `logs` replayed from its graph (captured on its second
  // occurrence; its first runs eagerly, creating the optimiser state and warming up the libraries).
  LossOutput graphed_step(const Batch& b, double lr, bool logs);
  void log_row(double loss, const LossOutput& out, double lr);  // rank 0 writes; all ranks reduce
  void write_log_row(int64_t step, double lr, const std::vector<double>& losses, double sps,
                     std::chrono::steady_clock::time_point now);
  void evaluate_curves();
  void handle_signal(int sig);
  int agreed_stop_signal();
  void check_divergence();  // throws TrainingDiverged for the first bad step since the last check
  void prepare_gradient_sync();
  void truncate_logs_after_checkpoint();
  std::vector<torch::Tensor> trainable_parameters();

  const ExperimentConfig& cfg_;
  RunDir run_;
  DatasetPtr data_;
  ModelPtr model_;
  torch::Device device_;
  Parallelism par_;
  std::unique_ptr<Objective> objective_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::unique_ptr<BatchSampler> sampler_;
  std::unique_ptr<CsvWriter> log_, curves_;
  std::unique_ptr<EventFileWriter> events_;  // rank 0, when output.tensorboard
  std::unique_ptr<Progress> progress_;
  Precision precision_ = Precision::fp32;
  std::unique_ptr<GradientSync> grad_sync_;  // data parallel: for grad_sync_params_
  std::vector<torch::Tensor> grad_sync_params_;
  DivergenceWatch watch_;
  std::unique_ptr<GraphedStep> graphs_;                // train.cuda_graph
  std::unique_ptr<CapturableOptimizer> graph_optimizer_;
  std::map<int, std::vector<torch::Tensor>> graph_params_;  // what each graph's update trains
  std::set<int> eager_kinds_;                             // kinds of step already run eagerly
  std::unique_ptr<LossScaler> scaler_;  // fp16: dynamic loss scaling (disabled otherwise)
  int64_t skipped_steps_ = 0;           // fp16 steps whose gradients overflowed
  int64_t step_ = 0, total_steps_ = 0, eval_every_ = 0;
  int64_t samples_since_log_ = 0;
  std::chrono::steady_clock::time_point start_, last_log_;
  double elapsed_before_ = 0;  // seconds trained before a resume
};

}  // namespace lpa
