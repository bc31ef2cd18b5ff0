// `lpa bench`: latency (batch 1) and throughput (large batch) of the model truncated at each
// depth, on the chosen device, to latency.csv. With --config the weights are fresh (timing
// does not depend on them).
#include <cstdio>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/exit_rule.h"
#include "lpa/cli/load_run.h"
#include "lpa/config/load.h"
#include "lpa/data/registry.h"
#include "lpa/errors.h"
#include "lpa/eval/depth_spec.h"
#include "lpa/eval/latency.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/files.h"
#include "lpa/train/cuda_graph.h"
#include "lpa/train/device.h"

namespace lpa::cli {

int run_bench(const BenchOptions& o) {
  if (!o.exit.criterion.empty() && o.speculative)
    throw UserError("bench: --early-exit (classifiers) and --speculative (language models) are separate benchmarks");
  if (o.cuda_graph && (!o.exit.criterion.empty() || o.speculative))
    throw UserError("bench: --cuda-graph times fixed shapes; early exit and speculative decoding change them per step");
  if (!o.exit.criterion.empty()) return run_bench_early_exit(o);
  if (o.speculative) return run_bench_speculative(o);
  check_exit_rule_options(o.exit, "bench");
  if (o.run_dir.empty() == o.config.empty()) throw UserError("bench: give --run DIR or --config FILE (one of them)");
  if (!o.overrides.empty() && o.config.empty()) throw UserError("bench: --set goes with --config");
  if (o.batch < 1) throw UserError("bench: --batch must be >= 1");
  ExperimentConfig cfg;
  DatasetPtr data;
  ModelPtr model;
  torch::Device device = torch::kCPU;
  std::string output = o.output;
  if (!o.run_dir.empty()) {
    LoadedRun r = load_trained_run(o.run_dir, o.device);
    cfg = r.cfg;
    data = r.data;
    model = r.model;
    device = r.device;
    if (output.empty()) output = r.dir.file("latency.csv");
  } else {
    cfg = load_config(o.config, o.overrides);
    device = resolve_device(o.device.empty() ? cfg.train.device : o.device);
    data = make_dataset(cfg);
    model = build_model(cfg, data->spec());
    model->to(device);
    if (output.empty()) output = "latency.csv";
  }
  if (o.cuda_graph)
    if (std::string why = cuda_graph_unsupported(device); !why.empty()) throw UserError("bench --cuda-graph: " + why);
  const int64_t threads = configure_threads(o.threads > 0 ? o.threads : cfg.train.threads);
  const auto depths = parse_depth_spec(o.depths, model->depth());
  // Real inputs: the first test samples (repeated if the split is smaller than the batch).
  const int64_t n = data->size(Split::test);
  Batch one = data->get(Split::test, torch::zeros({1}, torch::kLong), false);
  Batch many = data->get(Split::test, torch::arange(o.batch, torch::kLong).remainder(n), false);
  LatencyOptions lo;
  lo.runs = o.runs;
  lo.warmup = o.warmup;
  lo.device = device;
  lo.cuda_graph = o.cuda_graph;
  auto rows = measure_latency(*model, one.x, many.x, depths, lo);

  CsvWriter csv(output, {"depth", "batch", "median_ms", "p90_ms", "samples_per_s", "mflops_per_sample"});
  for (const auto& r : rows)
    csv.row({std::to_string(r.depth), std::to_string(r.batch), csv_number(r.median_ms), csv_number(r.p90_ms),
             csv_number(r.samples_per_s), csv_number(r.mflops_per_sample)});

  std::cout << (o.cuda_graph ? "CUDA graphs: each depth's forward captured once and replayed; " : "")
            << "device: " << device.str() << (device.is_cpu() ? ", threads: " + std::to_string(threads) : "")
            << "; batch-1 runs per depth: " << o.runs << " after " << o.warmup
            << " warm-up rounds, depths timed in turn\n";
  std::cout << load_average_line();
  // Ratios to the deepest depth measured: how much of the full model's time depth k costs.
  const LatencyRow* deepest1 = &rows[rows.size() - 2];
  const LatencyRow* deepestn = &rows.back();
  std::printf("depth  batch1_median_ms  p90_ms  vs_full  k/N   | batch%-5lld samples/s  vs_full | MFLOPs\n",
              static_cast<long long>(o.batch));
  for (size_t i = 0; i < rows.size(); i += 2) {
    const LatencyRow& a = rows[i];
    const LatencyRow& b = rows[i + 1];
    std::printf("%5lld  %16.4f  %6.4f  %7.3f  %5.3f |      %12.1f  %7.3f | %.4g\n", static_cast<long long>(a.depth),
                a.median_ms, a.p90_ms, a.median_ms / deepest1->median_ms,
                static_cast<double>(a.depth) / static_cast<double>(deepest1->depth), b.samples_per_s,
                deepestn->samples_per_s / b.samples_per_s, a.mflops_per_sample);
  }
  std::cout.flush();
  std::printf("written to %s\n", output.c_str());
  return 0;
}

}  // namespace lpa::cli
