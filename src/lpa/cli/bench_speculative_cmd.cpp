// `lpa bench --run DIR --speculative`: greedy self-speculative decoding for every draft depth
// E and draft length d against plain full-depth decoding (KV cache both), on one prompt.
// Baseline and speculative runs alternate, each configuration's median of a few rounds is
// kept, so the speed-up holds on a shared machine; `identical` says whether the output equals
// full-depth greedy decoding byte for byte ("-" with --temperature > 0: sampled text differs
// run to run; its law is the full model's, tests/generate/test_speculative.cpp). Writes
// <run>/speculative.csv.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "lpa/cli/commands.h"
#include "lpa/cli/load_run.h"
#include "lpa/errors.h"
#include "lpa/eval/depth_spec.h"
#include "lpa/eval/latency.h"
#include "lpa/generate/speculative.h"
#include "lpa/io/csv_writer.h"
#include "lpa/train/device.h"

namespace lpa::cli {

namespace {

constexpr int kRounds = 3;

std::vector<int64_t> parse_counts(const std::string& s) {
  std::vector<int64_t> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 6 ||
        std::stoll(item) < 1)
      throw UserError("bench: --draft-tokens is a list of counts >= 1 such as 1,2,4,8, got '" + s + "'");
    out.push_back(std::stoll(item));
  }
  if (out.empty()) throw UserError("bench: --draft-tokens is empty");
  return out;
}

}  // namespace

int run_bench_speculative(const BenchOptions& o) {
  if (o.run_dir.empty()) throw UserError("bench --speculative: needs --run DIR (a trained language model)");
  if (o.max_tokens < 1) throw UserError("bench: --max-tokens must be >= 1");
  if (o.temperature < 0) throw UserError("bench: --temperature must be >= 0");
  LoadedRun r = load_trained_run(o.run_dir, o.device);
  auto* lm = dynamic_cast<Transformer*>(r.model.get());
  if (!lm || !lm->language_model())
    throw UserError("bench --speculative: " + o.run_dir + " is not a language-model run");
  const int64_t threads = configure_threads(o.threads > 0 ? o.threads : r.cfg.train.threads);
  const int64_t n = lm->depth();
  if (n < 2) throw UserError("bench --speculative: a model of depth 1 has no shallower draft");
  const std::vector<int64_t> depths = parse_depth_spec(o.draft_depths.empty() ? "1.." + std::to_string(n - 1) : o.draft_depths, n);
  for (int64_t e : depths)
    if (e >= n) throw UserError("bench: --draft-depths must be below the full depth " + std::to_string(n));
  const std::vector<int64_t> counts = parse_counts(o.draft_tokens);

  std::string prompt = o.prompt;
  if (prompt.empty()) {
    // The start of a held-out window: text the model has not trained on.
    const torch::Tensor x = r.data->get(Split::test, torch::zeros({1}, torch::kLong), false).x.view({-1});
    for (int64_t i = 0; i < std::min<int64_t>(64, x.size(0)); ++i) prompt += static_cast<char>(x[i].item<int64_t>());
  }
  GenerationOptions g;
  g.max_tokens = o.max_tokens;
  g.sampling.temperature = o.temperature;
  const bool greedy = o.temperature == 0;
  const GenerationResult reference = generate(*lm, prompt, g, r.device);  // also warms up

  const std::string output = o.output.empty() ? r.dir.file("speculative.csv") : o.output;
  CsvWriter csv(output + ".tmp", {"draft_depth", "draft_tokens", "tokens", "tokens_per_s", "baseline_tokens_per_s",
                                  "speedup", "acceptance_rate", "tokens_per_verify", "identical"});
  std::cout << "device: " << r.device.str() << (r.device.is_cpu() ? ", threads: " + std::to_string(threads) : "")
            << (greedy ? "; greedy, " : "; sampled at temperature " + std::to_string(o.temperature) + ", ") << o.max_tokens << " tokens, full depth " << n << "; median of " << kRounds
            << " alternating rounds\n";
  std::printf("E   d  tokens/s  full tokens/s  speedup  acceptance  tokens/verify  identical\n");
  double best = 0;
  int64_t best_e = 0, best_d = 0;
  for (int64_t e : depths) {
    for (int64_t d : counts) {
      std::vector<double> base_tps, spec_tps;
      GenerationResult s;
      for (int round = 0; round < kRounds; ++round) {
        g.seed = static_cast<uint64_t>(round);
        base_tps.push_back(generate(*lm, prompt, g, r.device).tokens_per_second());
        s = generate_speculative(*lm, prompt, g, {e, d}, r.device);
        spec_tps.push_back(s.tokens_per_second());
      }
      const double base = quantile_of(base_tps, 0.5), spec = quantile_of(spec_tps, 0.5);
      const double per_verify =
          s.verify_passes > 0 ? static_cast<double>(s.tokens) / static_cast<double>(s.verify_passes) : 0.0;
      const std::string identical = !greedy ? "-" : s.text == reference.text ? "1" : "0";
      csv.row({std::to_string(e), std::to_string(d), std::to_string(s.tokens), csv_number(spec), csv_number(base),
               csv_number(spec / base), csv_number(s.acceptance_rate()), csv_number(per_verify),
               identical});
      std::printf("%-3lld %2lld  %8.1f  %13.1f  %7.3f  %10.3f  %13.2f  %s\n", static_cast<long long>(e),
                  static_cast<long long>(d), spec, base, spec / base, s.acceptance_rate(), per_verify,
                  identical == "1" ? "yes" : identical == "0" ? "NO" : "-");
      if (spec / base > best) {
        best = spec / base;
        best_e = e;
        best_d = d;
      }
    }
  }
  std::rename((output + ".tmp").c_str(), output.c_str());
  std::printf("best: E=%lld d=%lld, %.2fx full-depth decoding\n", static_cast<long long>(best_e),
              static_cast<long long>(best_d), best);
  std::cout << load_average_line();
  std::cout << "written to " << output << "\n";
  return 0;
}

}  // namespace lpa::cli
