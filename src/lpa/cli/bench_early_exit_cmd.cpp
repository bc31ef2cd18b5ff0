// `lpa bench --run DIR --early-exit C (--threshold T | --target-accuracy A | --max-drop P |
// --budget D)`: wall-clock of real early exit against the full depth on the run's test split,
// at batch 1 (--runs samples) and at --batch (8 batches), next to the FLOPs estimate (which
// counts the exits' heads and sureness). Full-depth and early-exit passes alternate, the median of the rounds is kept, so
// the ratio holds on a shared machine. Writes <run>/early_exit_bench.csv.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/exit_rule.h"
#include "lpa/cli/load_run.h"
#include "lpa/errors.h"
#include "lpa/eval/latency.h"
#include "lpa/io/csv_writer.h"
#include "lpa/train/device.h"

namespace lpa::cli {

namespace {

constexpr int kRounds = 5;

struct PassResult {
  double seconds = 0;
  int64_t correct = 0;
  double depth_sum = 0, mflops_sum = 0;
};

}  // namespace

int run_bench_early_exit(const BenchOptions& o) {
  if (o.run_dir.empty())
    throw UserError("bench --early-exit: needs --run DIR (a trained classifier: the rule is calibrated on its validation split)");
  if (o.batch < 1) throw UserError("bench: --batch must be >= 1");
  if (o.runs < 1) throw UserError("bench: --runs must be >= 1");
  LoadedRun r = load_trained_run(o.run_dir, o.device);
  const int64_t threads = configure_threads(o.threads > 0 ? o.threads : r.cfg.train.threads);
  DepthwiseModel& model = *r.model;
  const int64_t full = model.depth();
  lpa::EvalOptions eo;
  eo.batch_size = r.cfg.eval.batch_size;
  eo.device = r.device;
  const ExitCalibration cal = *resolve_exit_rule(o.exit, model, *r.data, full, eo, "bench");
  const std::vector<double> cost = exit_mflops(model, full, r.data->spec().output_dim);
  const double full_mflops = model.flops_per_sample(full) / 1e6;
  model.eval();
  torch::NoGradGuard no_grad;

  const int64_t n_test = r.data->size(Split::test);
  const std::string output = o.output.empty() ? r.dir.file("early_exit_bench.csv") : o.output;
  CsvWriter csv(output + ".tmp", {"batch", "mode", "samples", "samples_per_s", "speedup", "accuracy", "avg_depth",
                                  "mflops_per_sample", "mflops_ratio"});
  std::cout << "device: " << r.device.str() << (r.device.is_cpu() ? ", threads: " + std::to_string(threads) : "")
            << "; early exit " << describe_rule(cal.rule) << " (" << cal.description << "; val accuracy "
            << cal.val.accuracy << " at average depth " << cal.val.avg_depth << ", full depth " << cal.val_full_accuracy
            << ")\n";
  std::printf("batch  mode        samples  samples/s  speedup  accuracy  avg_depth  MFLOPs/sample  vs_full\n");
  for (const int64_t batch : {int64_t{1}, o.batch}) {
    // Batch 1 times --runs samples one by one; the large batch up to 8 batches of the test split.
    const int64_t n = std::min(n_test, batch == 1 ? o.runs : 8 * batch);
    std::vector<torch::Tensor> xs, ys;
    for (int64_t s = 0; s < n; s += batch) {
      Batch b = r.data->get(Split::test, torch::arange(s, std::min(n, s + batch), torch::kLong), false);
      xs.push_back(b.x.to(r.device));
      ys.push_back(b.y.view({-1}));
    }
    auto pass = [&](bool early) {
      PassResult p;
      const auto start = std::chrono::steady_clock::now();
      std::vector<ExitPredictions> outs;
      for (const auto& x : xs) {
        if (early) {
          ExitPredictions e = early_exit_forward(model, x, full, cal.rule);
          outs.push_back({e.prediction.cpu(), torch::Tensor(), e.exit_depth.cpu()});
        } else {
          outs.push_back({model.forward(x, full).argmax(1).cpu(), torch::Tensor(), torch::Tensor()});
        }
      }
      p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      for (size_t i = 0; i < outs.size(); ++i) {
        p.correct += outs[i].prediction.eq(ys[i]).sum().item<int64_t>();
        if (!early) continue;
        const auto d = outs[i].exit_depth.accessor<int64_t, 1>();
        for (int64_t j = 0; j < d.size(0); ++j) {
          p.depth_sum += static_cast<double>(d[j]);
          p.mflops_sum += cost[d[j] - 1];
        }
      }
      return p;
    };
    pass(false);  // warm-up: first-touch allocations, thread pools
    pass(true);
    std::vector<double> t_full, t_early;
    PassResult full_result, early_result;
    for (int round = 0; round < kRounds; ++round) {
      full_result = pass(false);
      early_result = pass(true);
      t_full.push_back(full_result.seconds);
      t_early.push_back(early_result.seconds);
    }
    const double sps_full = static_cast<double>(n) / quantile_of(t_full, 0.5);
    const double sps_early = static_cast<double>(n) / quantile_of(t_early, 0.5);
    const double nn = static_cast<double>(n);
    const double early_mflops = early_result.mflops_sum / nn;
    struct Row {
      const char* mode;
      double sps, speedup, accuracy, depth, mflops;
    };
    const Row rows[] = {
        {"full_depth", sps_full, 1.0, full_result.correct / nn, static_cast<double>(full), full_mflops},
        {"early_exit", sps_early, sps_early / sps_full, early_result.correct / nn, early_result.depth_sum / nn,
         early_mflops}};
    for (const Row& row : rows) {
      csv.row({std::to_string(batch), row.mode, std::to_string(n), csv_number(row.sps), csv_number(row.speedup),
               csv_number(row.accuracy), csv_number(row.depth), csv_number(row.mflops),
               csv_number(row.mflops / full_mflops)});
      std::printf("%5lld  %-10s  %7lld  %9.1f  %7.3f  %8.4f  %9.2f  %13.4g  %7.3f\n", static_cast<long long>(batch),
                  row.mode, static_cast<long long>(n), row.sps, row.speedup, row.accuracy, row.depth, row.mflops,
                  row.mflops / full_mflops);
    }
  }
  std::rename((output + ".tmp").c_str(), output.c_str());
  std::cout << load_average_line();
  std::cout << "median of " << kRounds << " alternating rounds; written to " << output << "\n";
  return 0;
}

}  // namespace lpa::cli
