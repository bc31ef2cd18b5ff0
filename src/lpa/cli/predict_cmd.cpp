// `lpa predict`: one row per input sample -- prediction, sureness, exit depth -- from a run or
// an exported file. With early exit the work really falls: after each block only the samples
// not yet sure enough go on, regrouped into a smaller batch (early_exit_forward, or the
// export's forward_early_exit).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/exit_rule.h"
#include "lpa/cli/load_run.h"
#include "lpa/config/load.h"
#include "lpa/data/predict_inputs.h"
#include "lpa/errors.h"
#include "lpa/eval/graphed_forward.h"
#include "lpa/export/exported_model.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/files.h"
#include "lpa/io/run_dir.h"
#include "lpa/models/registry.h"
#include "lpa/train/cuda_graph.h"
#include "lpa/train/device.h"

namespace lpa::cli {

namespace {

// What the predictions came from: a run's model at any depth, or an export at its own.
struct Predictor {
  ExperimentConfig cfg;
  DataSpec spec;
  int64_t depth = 0;
  ModelPtr flops_model;  // for the FLOPs estimate (weights not needed)
  std::optional<ExitRule> rule;
  std::function<ExitPredictions(const torch::Tensor&)> classify;
  std::function<torch::Tensor(const torch::Tensor&)> regress;
};

DataSpec spec_of(const ExportInfo& i) {
  DataSpec s;
  s.task = i.task;
  s.input_shape = i.input_shape;
  s.output_dim = i.output_dim;
  s.mean = i.mean;
  s.std = i.std;
  s.class_names = i.classes;
  return s;
}

ExitPredictions full_depth_predictions(const torch::Tensor& logits, int64_t depth) {
  const torch::Tensor p = torch::softmax(logits.to(torch::kDouble), 1);
  auto [sure, cls] = p.max(1);
  return {cls, sure.to(torch::kFloat), torch::full({logits.size(0)}, depth, cls.options())};
}

Predictor from_run(const PredictOptions& o, std::shared_ptr<LoadedRun>& keep) {
  if (o.cuda_graph && !o.exit.criterion.empty())
    throw UserError("predict --cuda-graph: early exit changes the batch at every exit; drop one of them");
  keep = std::make_shared<LoadedRun>(load_trained_run(o.run_dir, o.device));
  LoadedRun& r = *keep;
  Predictor p;
  p.cfg = r.cfg;
  p.spec = r.data->spec();
  p.depth = o.depth > 0 ? o.depth : r.model->depth();
  r.model->check_depth(p.depth);
  r.model->eval();
  p.flops_model = r.model;
  lpa::EvalOptions eo;
  eo.batch_size = r.cfg.eval.batch_size;
  eo.device = r.device;
  if (auto cal = resolve_exit_rule(o.exit, *r.model, *r.data, p.depth, eo, "predict")) {
    p.rule = cal->rule;
    char buf[200];
    std::snprintf(buf, sizeof buf, "early exit %s (%s): val accuracy %.4f at average depth %.2f (full depth %lld: %.4f)",
                  describe_rule(cal->rule).c_str(), cal->description.c_str(), cal->val.accuracy, cal->val.avg_depth,
                  static_cast<long long>(p.depth), cal->val_full_accuracy);
    std::cout << buf << "\n";
  }
  DepthwiseModel* model = r.model.get();
  const torch::Device device = r.device;
  const int64_t depth = p.depth;
  const auto rule = p.rule;
  if (o.cuda_graph) {
    if (std::string why = cuda_graph_unsupported(device); !why.empty()) throw UserError("predict --cuda-graph: " + why);
    // Captured at the first batch, padded to --batch-size.
    auto graph = std::make_shared<std::unique_ptr<GraphedForward>>();
    const int64_t batch = o.batch_size;
    auto forward = [=](const torch::Tensor& x) {
      const torch::Tensor xd = x.to(device);
      if (!*graph) {
        std::vector<int64_t> shape = xd.sizes().vec();
        shape[0] = batch;
        *graph = std::make_unique<GraphedForward>(*model, depth, torch::zeros(shape, xd.options()));
      }
      return (**graph)(xd);
    };
    p.classify = [=](const torch::Tensor& x) { return full_depth_predictions(forward(x), depth); };
    p.regress = forward;
    return p;
  }
  p.classify = [=](const torch::Tensor& x) { return early_exit_forward(*model, x.to(device), depth, rule); };
  p.regress = [=](const torch::Tensor& x) {
    torch::NoGradGuard no_grad;
    return model->forward(x.to(device), depth);
  };
  return p;
}

Predictor from_export(const PredictOptions& o, std::shared_ptr<ExportedModel>& keep) {
  if (o.exit.target_accuracy >= 0 || o.exit.budget >= 0)
    throw UserError("predict --model: --target-accuracy and --budget calibrate on a run's validation split: use "
                    "--run DIR, or --threshold T, or the rule stored in the export");
  check_exit_rule_options(o.exit, "predict");
  if (o.cuda_graph) throw UserError("predict --cuda-graph: needs --run DIR (an export runs through its own forward)");
  const torch::Device device = resolve_device(o.device.empty() ? "cpu" : o.device);
  keep = std::make_shared<ExportedModel>(ExportedModel::open(o.model, device));
  ExportedModel& m = *keep;
  const ExportInfo& info = m.info();
  if (o.depth > 0 && o.depth != info.depth)
    throw UserError("predict: " + o.model + " is exported at depth " + std::to_string(info.depth) +
                    "; --depth " + std::to_string(o.depth) + " needs the run (--run DIR) or another export");
  Predictor p;
  p.cfg = m.config();
  configure_threads(p.cfg.train.threads);
  p.spec = spec_of(info);
  p.depth = info.depth;
  m.prepare(p.spec);
  p.flops_model = make_model(p.cfg, p.spec);
  if (!o.exit.criterion.empty()) {
    if (p.spec.task != Task::classification)
      throw UserError("predict --early-exit: needs a classifier; this export's task is " + to_string(p.spec.task));
    p.rule = ExitRule{parse_exit_criterion(o.exit.criterion), o.exit.threshold};
  } else if (info.early_exit) {
    p.rule = ExitRule{parse_exit_criterion(info.early_exit->criterion), info.early_exit->threshold};
  }
  if (p.rule) std::cout << "early exit " << describe_rule(*p.rule) << (o.exit.criterion.empty() ? " (stored in the export)" : "") << "\n";
  ExportedModel* mp = &m;
  const int64_t depth = p.depth;
  const bool stored = o.exit.criterion.empty();
  const auto rule = p.rule;
  p.classify = [=](const torch::Tensor& x) {
    if (!rule) return full_depth_predictions(mp->forward(x), depth);
    return stored ? mp->forward_early_exit(x) : mp->forward_early_exit(x, rule);
  };
  p.regress = [=](const torch::Tensor& x) { return mp->forward(x); };
  return p;
}

std::string label_name(const DataSpec& spec, int64_t c) {
  return c >= 0 && c < static_cast<int64_t>(spec.class_names.size()) ? spec.class_names[c] : std::to_string(c);
}

// A language model's run, or a Hugging Face-layout folder: predict scores documents.
bool is_language_model(const PredictOptions& o) {
  if (!o.model.empty()) return dir_exists(o.model);
  return load_config(open_run_dir(o.run_dir).config()).data.type == "text";
}

}  // namespace

int run_predict(const PredictOptions& o) {
  if (o.run_dir.empty() == o.model.empty()) throw UserError("predict: give exactly one of --run DIR or --model FILE");
  if (o.input.empty()) throw UserError("predict: --input PATH is required");
  if (o.output.empty()) throw UserError("predict: -o FILE is required");
  if (is_language_model(o)) return run_predict_language_model(o);
  if (o.batch_size < 1) throw UserError("predict: --batch-size must be at least 1");
  std::shared_ptr<LoadedRun> run;
  std::shared_ptr<ExportedModel> exported;
  Predictor p = o.run_dir.empty() ? from_export(o, exported) : from_run(o, run);
  const PredictInputs in = read_predict_inputs(o.input, o.labels, p.cfg, p.spec);
  const bool classifier = p.spec.task == Task::classification;
  if (p.spec.task == Task::language_model)
    throw UserError("predict: a language model writes text, not one prediction per sample: use lpa generate");

  const int64_t n = in.x.size(0);
  std::vector<torch::Tensor> preds, sures, depths, outputs;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t b = 0; b < n; b += o.batch_size) {
    const torch::Tensor x = in.x.narrow(0, b, std::min(o.batch_size, n - b));
    if (classifier) {
      ExitPredictions e = p.classify(x);
      preds.push_back(e.prediction.cpu());
      sures.push_back(e.sureness.cpu());
      depths.push_back(e.exit_depth.cpu());
    } else {
      outputs.push_back(p.regress(x).cpu().view({x.size(0), -1}));
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Written under a temporary name and renamed: an earlier predictions file survives a failure.
  const std::string tmp = o.output + ".tmp";
  const std::string dir = parent_dir(o.output);
  if (!dir.empty() && !dir_exists(dir)) make_dirs(dir);
  const bool labelled = in.labels.defined();
  double accuracy = 0, avg_depth = p.depth, mflops = 0;
  std::vector<double> fraction(p.depth, 0.0);
  {
    std::vector<std::string> header = {"sample"};
    if (classifier) {
      header.insert(header.end(), {"prediction", "class_index", "sureness", "exit_depth"});
      if (labelled) header.insert(header.end(), {"label", "correct"});
    } else {
      const int64_t m = outputs[0].size(1);
      for (int64_t j = 0; j < m; ++j) header.push_back(m == 1 ? "output" : "output_" + std::to_string(j + 1));
      header.emplace_back("depth");
    }
    CsvWriter csv(tmp, header);
    if (classifier) {
      const torch::Tensor pred = torch::cat(preds), sure = torch::cat(sures), depth = torch::cat(depths);
      const auto pa = pred.accessor<int64_t, 1>(), da = depth.accessor<int64_t, 1>();
      const auto sa = sure.accessor<float, 1>();
      const std::vector<double> cost = exit_mflops(*p.flops_model, p.depth, p.spec.output_dim);
      const torch::Tensor labels = labelled ? in.labels.contiguous() : torch::zeros({n}, torch::kLong);
      const auto la = labels.accessor<int64_t, 1>();
      int64_t correct = 0;
      double depth_sum = 0;
      for (int64_t i = 0; i < n; ++i) {
        std::vector<std::string> row = {in.names[i], label_name(p.spec, pa[i]), std::to_string(pa[i]),
                                        csv_number(sa[i]), std::to_string(da[i])};
        if (labelled) {
          const int64_t y = la[i];
          row.push_back(label_name(p.spec, y));
          row.emplace_back(y == pa[i] ? "1" : "0");
          correct += y == pa[i];
        }
        csv.row(row);
        depth_sum += static_cast<double>(da[i]);
        mflops += p.rule ? cost[da[i] - 1] : p.flops_model->flops_per_sample(p.depth) / 1e6;
        fraction[da[i] - 1] += 1.0 / static_cast<double>(n);
      }
      accuracy = static_cast<double>(correct) / static_cast<double>(n);
      avg_depth = depth_sum / static_cast<double>(n);
      mflops /= static_cast<double>(n);
    } else {
      const torch::Tensor out = torch::cat(outputs).to(torch::kDouble);
      for (int64_t i = 0; i < n; ++i) {
        std::vector<std::string> row = {in.names[i]};
        for (int64_t j = 0; j < out.size(1); ++j) row.push_back(csv_number(out[i][j].item<double>()));
        row.push_back(std::to_string(p.depth));
        csv.row(row);
      }
      mflops = p.flops_model->flops_per_sample(p.depth) / 1e6;
    }
  }
  std::filesystem::rename(tmp, o.output);

  const double full_mflops = p.flops_model->flops_per_sample(p.depth) / 1e6;
  char buf[240];
  std::snprintf(buf, sizeof buf, "%s: %.2f s, %.1f samples/s (batch %lld)", in.description.c_str(), seconds,
                seconds > 0 ? static_cast<double>(n) / seconds : 0.0, static_cast<long long>(o.batch_size));
  std::cout << buf << "\n";
  if (classifier) {
    if (p.rule)
      std::snprintf(buf, sizeof buf,
                    "average exit depth %.2f of %lld, %.4g MFLOPs/sample with the exits tried (depth %lld alone: %.4g, %.1f%% fewer)",
                    avg_depth, static_cast<long long>(p.depth), mflops, static_cast<long long>(p.depth), full_mflops,
                    100.0 * (1.0 - mflops / full_mflops));
    else
      std::snprintf(buf, sizeof buf, "every sample at depth %lld (no early exit), %.4g MFLOPs/sample",
                    static_cast<long long>(p.depth), mflops);
    std::cout << buf << "\n  exits per depth:";
    for (int64_t l = 0; l < p.depth; ++l) {
      std::snprintf(buf, sizeof buf, " d%lld %.1f%%", static_cast<long long>(l + 1), 100.0 * fraction[l]);
      std::cout << buf;
    }
    std::cout << "\n";
    if (labelled) {
      std::snprintf(buf, sizeof buf, "accuracy %.4f on the %lld labelled samples", accuracy, static_cast<long long>(n));
      std::cout << buf << "\n";
    }
  } else {
    std::snprintf(buf, sizeof buf, "depth %lld, %.4g MFLOPs/sample", static_cast<long long>(p.depth), mflops);
    std::cout << buf << "\n";
  }
  std::cout << n << " predictions written to " << o.output << "\n";
  return 0;
}

}  // namespace lpa::cli
