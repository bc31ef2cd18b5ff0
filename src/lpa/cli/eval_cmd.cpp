#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/load_run.h"
#include "lpa/eval/depth_spec.h"
#include "lpa/eval/report.h"

namespace lpa::cli {

int run_eval(const EvalOptions& o) {
  const Split split = parse_split(o.split);
  LoadedRun r = load_trained_run(o.run_dir, o.device);
  const auto depths = parse_depth_spec(o.depths, r.model->depth());
  lpa::EvalOptions eo;
  eo.batch_size = o.batch_size > 0 ? o.batch_size : r.cfg.eval.batch_size;
  eo.device = r.device;
  auto results = evaluate_per_depth(*r.model, *r.data, split, depths, eo);
  write_per_depth_csv(r.dir.per_depth(), split, results);
  std::cout << "checkpoint: " << r.checkpoint << "\n";
  std::cout << per_depth_report(split, results, r.data->spec().task);
  return 0;
}

}  // namespace lpa::cli
