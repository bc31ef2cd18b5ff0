// `lpa eval --model FILE`: evaluates an exported file (either format) on its source run's data,
// so a user can check that an export predicts what the run did at that depth.
#include <cstdio>
#include <iostream>

#include "lpa/cli/commands.h"
#include "lpa/cli/save_outputs.h"
#include "lpa/data/registry.h"
#include "lpa/errors.h"
#include "lpa/eval/meter.h"
#include "lpa/export/exported_model.h"
#include "lpa/train/device.h"

namespace lpa::cli {

int run_eval_model(const EvalOptions& o) {
  if (!o.early_exit.empty()) throw UserError("eval: --early-exit needs --run DIR (all depths), not --model");
  if (o.depths != "all") throw UserError("eval: --depths does not apply to --model (an export has one depth)");
  const Split split = parse_split(o.split);
  const torch::Device device = resolve_device(o.device.empty() ? "cpu" : o.device);
  ExportedModel m = ExportedModel::open(o.model, device);
  const ExportInfo& info = m.info();
  configure_threads(m.config().train.threads);
  DatasetPtr data = make_dataset(m.config());
  m.prepare(data->spec());

  auto meter = make_meter(info.task, info.output_dim);
  const int64_t batch = o.batch_size > 0 ? o.batch_size : m.config().eval.batch_size;
  const int64_t n = data->size(split);
  for (int64_t start = 0; start < n; start += batch) {
    Batch b = data->get(split, torch::arange(start, std::min(n, start + batch), torch::kLong), false);
    meter->add(m.forward(b.x), b.y.to(device));
  }

  std::cout << "export: " << o.model << " (" << info.file_format << ", " << info.model_kind << " at depth "
            << info.depth << " of " << info.full_depth << ", " << info.params << " params)\n";
  std::cout << "metrics on the " << to_string(split) << " split:\n";
  std::cout << metrics_beside_recorded(meter->metrics(), info, to_string(split));
  if (!o.save_outputs.empty()) {
    save_outputs(o.save_outputs, *data, split, o.save_samples,
                 {{info.depth, [&](const torch::Tensor& x) { return m.forward(x); }}});
    std::cout << "outputs of the first samples written to " << o.save_outputs << "\n";
  }
  return 0;
}

}  // namespace lpa::cli
