#include "lpa/train/trainer.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <csignal>
#include <sstream>

#include "lpa/errors.h"
#include "lpa/eval/per_depth.h"
#include "lpa/io/files.h"
#include "lpa/io/tfevents.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/optimizer.h"
#include "lpa/train/resume_logs.h"
#include "lpa/train/signals.h"
#include "lpa/train/stream_seed.h"

namespace lpa {

static std::vector<std::string> train_log_header(int64_t depth) {
  std::vector<std::string> h = {"step", "epoch", "lr", "loss"};
  for (int64_t l = 1; l <= depth; ++l) h.push_back("loss_d" + std::to_string(l));
  h.emplace_back("samples_per_s");
  h.emplace_back("elapsed_s");
  return h;
}

Trainer::Trainer(const ExperimentConfig& cfg, RunDir run, DatasetPtr data, ModelPtr model,
                 torch::Device device, Parallelism parallel)
    : cfg_(cfg), run_(std::move(run)), data_(std::move(data)), model_(std::move(model)),
      device_(device), par_(std::move(parallel)), watch_(model_->depth()) {
  const DataSpec spec = data_->spec();
  precision_ = parse_precision(cfg_.train.precision);
  check_precision(precision_, device_, cfg_.where("train.precision"));
  if (device_.is_cuda()) set_tf32(precision_ == Precision::tf32);
  set_determinism(cfg_.train.deterministic);
  scaler_ = std::make_unique<LossScaler>(precision_ == Precision::fp16, device_, cfg_.train.loss_scale, 2.0, 0.5,
                                         cfg_.train.loss_scale_window);
  objective_ = make_objective(cfg_, spec.task, model_->depth());
  if (par_.sum_across_ranks) objective_->set_rank_sum(par_.sum_across_ranks, par_.world_size);
  optimizer_ = make_optimizer(cfg_.train, model_->parameters());
  sampler_ = std::make_unique<BatchSampler>(data_->size(Split::train), cfg_.data.batch_size,
                                            static_cast<uint64_t>(cfg_.train.seed));
  if (par_.world_size > 1 && std::min(cfg_.data.batch_size, data_->size(Split::train)) % par_.world_size != 0)
    throw UserError(cfg_.where("data.batch_size") + ": the global batch of " +
                    std::to_string(std::min(cfg_.data.batch_size, data_->size(Split::train))) +
                    " does not split evenly over " + std::to_string(par_.world_size) +
                    " data-parallel processes (each takes an equal share)");
  if (!device_.is_cpu()) {
    // Once: a dataset that fits lives on the device, so batches are gathered, augmented and
    // normalised there; a larger one is copied per batch from pinned memory.
    const double mib = static_cast<double>(data_->sample_bytes()) / (1024.0 * 1024.0);
    if (data_->move_to(device_, cfg_.data.device_cache_mb * 1024 * 1024))
      spdlog::info("data: {:.1f} MiB of samples on {}: batches gathered and augmented there", mib, device_.str());
    else
      spdlog::info("data: {:.1f} MiB of samples stay on the host (data.device_cache_mb {}): batches copied from pinned memory",
                   mib, cfg_.data.device_cache_mb);
  }
  if (cfg_.train.cuda_graph) {
    if (std::string why = cuda_graph_unsupported(device_); !why.empty())
      throw UserError(cfg_.where("train.cuda_graph") + ": " + why);
    if (par_.world_size > 1)
      throw UserError(cfg_.where("train.cuda_graph") + ": not with data-parallel training (" +
                      std::to_string(par_.world_size) + " processes): the gradient all-reduce is not captured");
    graphs_ = std::make_unique<GraphedStep>(device_);
    graph_optimizer_ = std::make_unique<CapturableOptimizer>(*optimizer_, device_);
  }
  const int64_t per_epoch = std::max<int64_t>(1, sampler_->batches_per_epoch());
  total_steps_ = cfg_.train.steps > 0 ? cfg_.train.steps : cfg_.train.epochs * per_epoch;
  eval_every_ = cfg_.eval.every > 0 ? cfg_.eval.every : per_epoch;
  progress_ = std::make_unique<Progress>(total_steps_, cfg_.train.log_every, par_.is_main());
  start_ = last_log_ = std::chrono::steady_clock::now();
}

std::vector<torch::Tensor> Trainer::trainable_parameters() {
  // With several ranks the gradient sync has given every trained parameter a gradient (zero
  // where this step did not reach it); alone, an unreached one is left out (the optimisers
  // skip undefined gradients).
  std::vector<torch::Tensor> v;
  for (auto& p : model_->parameters())
    if (p.requires_grad() && p.grad().defined()) v.push_back(p);
  return v;
}

void Trainer::prepare_gradient_sync() {
  if (!par_.make_gradient_sync) return;
  // Every rank must reduce the same list: the trained parameters, remade when it changes (a
  // sequential stage, a probe run's frozen backbone), the same step on every rank.
  std::vector<torch::Tensor> trained;
  for (auto& p : model_->parameters())
    if (p.requires_grad()) trained.push_back(p);
  bool same = grad_sync_ && trained.size() == grad_sync_params_.size();
  for (size_t i = 0; same && i < trained.size(); ++i) same = trained[i].is_same(grad_sync_params_[i]);
  if (same) return;
  grad_sync_.reset();  // its hooks go before the new ones come
  grad_sync_params_ = trained;
  grad_sync_ = par_.make_gradient_sync(grad_sync_params_);
}

int64_t Trainer::resume() {
  std::string path;
  auto st = load_latest_checkpoint(run_.checkpoints(), *model_, optimizer_.get(), &path, device_);
  if (st) {
    step_ = st->step;
    sampler_->seek(st->sampler_epoch, st->sampler_position);
    restore_rng(*st, device_);
    elapsed_before_ = st->elapsed_s;
    objective_->load_state(st->objective);
    if (st->loss_scale.defined()) scaler_->load_state(st->loss_scale);
  }
  if (par_.max_across_ranks) {
    // Every rank must continue from the same step (checkpoints/ on a file system all see).
    std::vector<double> v = {static_cast<double>(step_), -static_cast<double>(step_)};
    par_.max_across_ranks(v);
    if (v[0] != -v[1])
      throw UserError(run_.checkpoints() + ": data-parallel ranks found different checkpoints (steps " +
                      std::to_string(static_cast<int64_t>(-v[1])) + " to " +
                      std::to_string(static_cast<int64_t>(v[0])) +
                      "); the run directory must be on a file system every node sees");
  }
  if (!par_.is_main()) return step_;
  remove_partial_checkpoints(run_.checkpoints());
  if (!st) return 0;
  // Newer files that did not read back would shadow the next saves: set them aside.
  for (const auto& f : list_checkpoints(run_.checkpoints())) {
    if (f == path) break;
    std::rename(f.c_str(), (f + ".unreadable").c_str());
    spdlog::warn("set aside unreadable checkpoint {} as {}.unreadable", f, f);
  }
  truncate_logs_after_checkpoint();
  spdlog::info("resumed from {} at step {}", path, step_);
  return step_;
}

void Trainer::truncate_logs_after_checkpoint() {
  for (const std::string& file : {run_.train_log(), run_.curves()}) truncate_log_after_step(file, step_);
  truncate_events_after_step(run_.tensorboard(), step_);
}

std::string Trainer::save() {
  if (!par_.is_main()) return "";
  TrainingState st;
  st.step = step_;
  st.sampler_epoch = sampler_->epoch();
  st.sampler_position = sampler_->position();
  st.cpu_rng = capture_rng();
  st.cuda_rng = capture_cuda_rng(device_);
  st.elapsed_s = elapsed_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  st.objective = objective_->state();
  if (scaler_->enabled()) st.loss_scale = scaler_->state();
  return save_checkpoint(run_.checkpoints(), *model_, optimizer_.get(), st,
                         cfg_.train.keep_checkpoints);
}

int Trainer::agreed_stop_signal() {
  int sig = pending_stop_signal();
  if (!par_.max_across_ranks) return sig;
  // Agreed only where every rank is anyway in step (the steps that log), not every step.
  if (step_ % cfg_.train.log_every != 0) return 0;
  std::vector<double> v = {static_cast<double>(sig)};
  par_.max_across_ranks(v);
  return static_cast<int>(v[0]);
}

void Trainer::check_divergence() {
  std::optional<Divergence> d = watch_.check();
  if (par_.max_across_ranks) {
    // Every rank stops at the same check, whichever rank's loss went bad first.
    std::vector<double> v = {d ? 1.0 : 0.0, d ? -static_cast<double>(d->step) : -1e18};
    par_.max_across_ranks(v);
    if (v[0] > 0 && !d)
      throw TrainingDiverged("loss is not finite on another data-parallel rank at step " +
                             std::to_string(static_cast<int64_t>(-v[1])) + ": training diverged");
  }
  if (!d) return;
  // The step that went bad is the last row of train_log.csv, its non-finite depths visible
  // (one process only: with several, the row's all-reduce could wait on a rank that did not).
  if (par_.world_size == 1 && log_) {
    std::vector<double> losses = {d->loss};
    losses.insert(losses.end(), d->per_depth.begin(), d->per_depth.end());
    write_log_row(d->step, d->lr, losses, 0, std::chrono::steady_clock::now());
  }
  progress_->finish();
  throw TrainingDiverged(divergence_message(*d));
}

void Trainer::run(int64_t stop_at) {
  const DataSpec spec = data_->spec();
  if (par_.is_main()) {
    log_ = std::make_unique<CsvWriter>(run_.train_log(), train_log_header(model_->depth()), step_ > 0);
    std::vector<std::string> ch = {"step", "epoch", "split", "depth"};
    for (const auto& m : metric_names(spec.task, spec.output_dim)) ch.push_back(m);
    curves_ = std::make_unique<CsvWriter>(run_.curves(), ch, step_ > 0);
    if (cfg_.output.tensorboard) events_ = std::make_unique<EventFileWriter>(run_.tensorboard(), step_ > 0);
  }
  install_stop_signal_handlers();
  spdlog::info("objective: {}", objective_->describe());
  if (precision_ != Precision::fp32)
    spdlog::info("precision: {}{}", to_string(precision_),
                 precision_ == Precision::fp16 ? " with dynamic loss scaling" : "");
  spdlog::info("training {} steps ({} per epoch, batch {}), validation curves every {} steps",
               total_steps_, sampler_->batches_per_epoch(), cfg_.data.batch_size, eval_every_);
  start_ = last_log_ = std::chrono::steady_clock::now();
  const int64_t end = stop_at > 0 ? std::min(stop_at, total_steps_) : total_steps_;
  while (step_ < end) {
    if (int sig = agreed_stop_signal()) handle_signal(sig);
    train_step();
    const bool last = step_ == total_steps_;
    const bool eval_now = step_ % eval_every_ == 0 || last;
    const int64_t ce = cfg_.train.checkpoint_every;
    const bool save_now = last || step_ == end || (ce > 0 ? step_ % ce == 0 : eval_now);
    // Never evaluate or save weights a bad step has already spoilt.
    if (eval_now || save_now) check_divergence();
    if (eval_now) evaluate_curves();
    if (save_now) save();
  }
  progress_->finish();
  if (skipped_steps_ > 0)
    spdlog::info("fp16: {} steps skipped this session (gradients overflowed); loss scale now {}", skipped_steps_,
                 scaler_->current_scale());
}

void Trainer::train_step() {
  // Data parallel: each rank's own stream for dropout and augmentation.
  if (par_.world_size > 1)
    torch::manual_seed(stream_seed(cfg_.train.seed, step_, kRankStreams + static_cast<uint64_t>(par_.rank)));
  objective_->begin_step(*model_, step_, total_steps_);
  prepare_gradient_sync();
  torch::Tensor idx = sampler_->next();
  // Data parallel: each rank takes its contiguous share of the global batch.
  if (par_.world_size > 1) {
    const int64_t n = idx.size(0), per = (n + par_.world_size - 1) / par_.world_size;
    const int64_t begin = std::min(n, par_.rank * per), len = std::min(per, n - begin);
    idx = idx.narrow(0, begin, len);
  }
  const Batch b = to_device(data_->get(Split::train, idx, cfg_.data.augment), device_);
  const double lr = learning_rate_in_window(cfg_.train, step_, objective_->schedule_window(step_, total_steps_));
  set_learning_rate(*optimizer_, lr);
  const bool logs = (step_ + 1) % cfg_.train.log_every == 0 || step_ + 1 == total_steps_;
  objective_->set_logging(logs);
  const LossOutput out = graphs_ ? graphed_step(b, lr, logs) : eager_step(b);
  // No read of the loss here: the watch keeps it until the next check (the next step that logs).
  watch_.record(step_ + 1, lr, out.total, out.per_depth, out.computed_exits, out.computed_losses);
  ++step_;
  samples_since_log_ += b.x.size(0) * par_.world_size;
  if (!logs) return;
  check_divergence();
  log_row(out.total.item<double>(), out, lr);
}

LossOutput Trainer::compute_loss(const Batch& b) {
  AutocastGuard autocast(precision_, device_);  // the forward pass; backward follows its casts
  return objective_->compute(*model_, b, step_, total_steps_);
}

LossOutput Trainer::eager_step(const Batch& b) {
  clear_gradients(*optimizer_);
  LossOutput out = compute_loss(b);
  torch::Tensor scaled = scaler_->scale(out.total);
  if (grad_sync_) grad_sync_->before_backward(scaled);
  scaled.backward();
  if (grad_sync_) grad_sync_->after_backward();
  auto params = trainable_parameters();
  // fp16: gradients unscaled before clipping; an overflowed step is skipped (the scale backs
  // off), every rank alike since the gradients were all-reduced first.
  if (!scaled_step(*optimizer_, *scaler_, params, cfg_.train.grad_clip)) {
    ++skipped_steps_;
    spdlog::debug("step {}: fp16 gradients overflowed, step skipped; loss scale now {}", step_ + 1,
                  scaler_->current_scale());
  }
  return out;
}

LossOutput Trainer::graphed_step(const Batch& b, double lr, bool logs) {
  const int kind = logs ? 1 : 0;
  if (!graphs_->ready(kind, b)) {
    if (eager_kinds_.insert(kind).second) return eager_step(b);
    clear_gradients(*optimizer_);  // backward then allocates the gradients in the graph's memory
    graphs_->capture(kind, b, [&](const Batch& inputs) {
      LossOutput out = compute_loss(inputs);
      out.total.backward();
      graph_params_[kind] = trainable_parameters();
      if (cfg_.train.grad_clip > 0) clip_gradient_norm(graph_params_[kind], cfg_.train.grad_clip);
      graph_optimizer_->update(graph_params_[kind]);
      return out;
    });
    spdlog::info("cuda_graph: captured the {} step at step {}", logs ? "logging" : "training", step_ + 1);
  }
  const auto& params = graph_params_.at(kind);
  graph_optimizer_->prepare(lr, params);
  LossOutput out = graphs_->replay(kind, b);
  graph_optimizer_->finish(params);
  return out;
}

void Trainer::write_log_row(int64_t step, double lr, const std::vector<double>& losses, double sps,
                            std::chrono::steady_clock::time_point now) {
  const double elapsed = elapsed_before_ + std::chrono::duration<double>(now - start_).count();
  std::vector<std::string> row = {std::to_string(step), std::to_string(sampler_->epoch()), csv_number(lr),
                                  csv_number(losses[0])};
  for (size_t l = 1; l < losses.size(); ++l) row.push_back(csv_number(losses[l]));
  row.push_back(csv_number(sps));
  row.push_back(csv_number(elapsed));
  log_->row(row);
}

void Trainer::log_row(double loss, const LossOutput& out, double lr) {
  auto now = std::chrono::steady_clock::now();
  const double dt = std::chrono::duration<double>(now - last_log_).count();
  const double sps = dt > 0 ? samples_since_log_ / dt : 0;
  samples_since_log_ = 0;
  last_log_ = now;
  // Losses of the global batch: each rank's mean over an equal share, averaged over ranks.
  std::vector<double> losses = {loss};
  auto per_depth = out.per_depth.to(torch::kCPU, torch::kDouble).contiguous();
  for (int64_t l = 0; l < per_depth.size(0); ++l) losses.push_back(per_depth[l].item<double>());
  if (par_.sum_across_ranks) {
    par_.sum_across_ranks(losses);
    for (auto& v : losses) v /= static_cast<double>(par_.world_size);
  }
  progress_->update(step_, losses[0], lr, sps);
  if (!log_) return;
  write_log_row(step_, lr, losses, sps, now);
  if (!events_) return;
  std::vector<std::pair<std::string, double>> scalars = {{"train/loss", losses[0]}};
  for (size_t l = 1; l < losses.size(); ++l) scalars.emplace_back("train/loss_d" + std::to_string(l), losses[l]);
  scalars.emplace_back("train/lr", lr);
  scalars.emplace_back("train/samples_per_s", sps);
  events_->scalars(step_, scalars);
}

void Trainer::evaluate_curves() {
  if (data_->size(Split::val) == 0) return;
  std::vector<int64_t> depths;
  for (int64_t l = 1; l <= model_->depth(); ++l) depths.push_back(l);
  EvalOptions o;
  o.batch_size = cfg_.eval.batch_size;
  o.max_batches = cfg_.eval.max_batches;
  o.device = device_;
  o.rank = par_.rank;
  o.world_size = par_.world_size;
  auto meters = accumulate_per_depth(*model_, *data_, Split::val, depths, o);
  if (par_.sum_across_ranks)
    for (auto& m : meters) par_.sum_across_ranks(m->state());
  const PrimaryMetric pm = primary_metric(data_->spec().task);
  std::vector<double> primary;
  std::vector<std::pair<std::string, double>> scalars;
  for (size_t i = 0; i < depths.size(); ++i) {
    Metrics mt = meters[i]->metrics();
    primary.push_back(metric_value(mt, pm.name));
    if (!curves_) continue;
    std::vector<std::string> row = {std::to_string(step_), std::to_string(sampler_->epoch()), "val",
                                    std::to_string(depths[i])};
    for (const auto& [k, v] : mt) {
      row.push_back(csv_number(v));
      if (events_) scalars.emplace_back("val/" + k + "/d" + std::to_string(depths[i]), v);
    }
    curves_->row(row);
  }
  if (events_) events_->scalars(step_, scalars);
  std::ostringstream line;
  line << "step " << step_ << " val " << pm.name << ": d1 " << primary.front();
  if (primary.size() > 2) line << ", d" << primary.size() / 2 << " " << primary[primary.size() / 2 - 1];
  line << ", d" << primary.size() << " " << primary.back();
  progress_->message(line.str());
}

void Trainer::handle_signal(int sig) {
  check_divergence();
  progress_->finish();
  spdlog::warn("signal {} received at step {}: saving a checkpoint", sig, step_);
  std::string path = save();
  if (!path.empty()) spdlog::info("saved {}", path);
  if (cfg_.train.requeue && sig != SIGINT && std::getenv("SLURM_JOB_ID") && par_.is_main()) {
    if (slurm_requeue()) throw StopRequested("requeued after signal " + std::to_string(sig), 0);
  }
  throw StopRequested("stopped by signal " + std::to_string(sig) + " at step " + std::to_string(step_),
                      128 + sig);
}

}  // namespace lpa
