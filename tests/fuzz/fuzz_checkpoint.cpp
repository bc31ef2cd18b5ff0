// Checkpoints and the training state they carry: the bytes become checkpoints/step_00000001.pt,
// loaded into a small residual MLP and its optimiser as a resumed run would, RNG state restored.
#include <memory>

#include "fuzz_support.h"
#include "lpa/config/config.h"
#include "lpa/models/registry.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/optimizer.h"

namespace {

struct Run {
  lpa::ModelPtr model;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  Run() {
    lpa::ExperimentConfig cfg;
    cfg.model.type = "residual_mlp";
    cfg.model.depth = 2;
    cfg.model.width = 4;
    lpa::DataSpec spec;
    spec.input_shape = {2};
    spec.output_dim = 1;
    model = lpa::make_model(cfg, spec);
    optimizer = lpa::make_optimizer(cfg.train, model->parameters());
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  lpa::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Run run;
  const std::string dir = lpa::fuzz::fresh_scratch_folder("checkpoints");
  lpa::fuzz::write_scratch_file("checkpoints/step_00000001.pt", data, size);
  lpa::fuzz::expect_result_or_user_error([&] {
    auto state = lpa::load_latest_checkpoint(dir, *run.model, run.optimizer.get());
    if (state) lpa::restore_rng(*state);
  });
  return 0;
}
