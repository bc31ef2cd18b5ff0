#include <filesystem>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/load_run.h"
#include "lpa/cli/run_plots.h"
#include "lpa/cli/save_outputs.h"
#include "lpa/errors.h"
#include "lpa/eval/depth_spec.h"
#include "lpa/eval/report.h"

namespace lpa::cli {

int run_eval(const EvalOptions& o) {
  if (!o.model.empty()) {
    if (!o.run_dir.empty()) throw UserError("eval: give --run DIR or --model FILE, not both");
    return std::filesystem::is_directory(o.model) ? run_eval_hf_folder(o) : run_eval_model(o);
  }
  if (o.run_dir.empty()) throw UserError("eval: --run DIR (a trained run) or --model FILE (an export) is required");
  if (!o.early_exit.empty()) return run_early_exit(o);
  if (o.target_accuracy >= 0 || o.budget >= 0)
    throw UserError("eval: --target-accuracy and --budget go with --early-exit confidence|entropy");
  const Split split = parse_split(o.split);
  LoadedRun r = load_trained_run(o.run_dir, o.device);
  const auto depths = parse_depth_spec(o.depths, r.model->depth());
  lpa::EvalOptions eo;
  eo.batch_size = o.batch_size > 0 ? o.batch_size : r.cfg.eval.batch_size;
  eo.device = r.device;
  auto results = evaluate_per_depth(*r.model, *r.data, split, depths, eo);
  write_per_depth_csv(r.dir.per_depth(), split, results);
  write_per_depth_svg(r.dir);
  std::cout << "checkpoint: " << r.checkpoint << "\n";
  std::cout << per_depth_report(split, results, r.data->spec().task);
  if (!o.save_outputs.empty()) {
    std::vector<DepthForward> forwards;
    forwards.reserve(depths.size());
    for (int64_t d : depths)
      forwards.emplace_back(d, [&, d](const torch::Tensor& x) { return r.model->forward(x.to(r.device), d); });
    save_outputs(o.save_outputs, *r.data, split, o.save_samples, forwards);
    std::cout << "outputs of the first samples written to " << o.save_outputs << "\n";
  }
  return 0;
}

}  // namespace lpa::cli
