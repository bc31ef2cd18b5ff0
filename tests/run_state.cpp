#include "run_state.h"

#include <limits>

#include "lpa/cli/load_run.h"
#include "lpa/config/load.h"
#include "lpa/data/registry.h"
#include "lpa/train/checkpoint.h"

namespace lpa::test {

std::vector<torch::Tensor> run_weights(const std::string& run_dir) {
  auto run = cli::load_trained_run(run_dir, "cpu");
  std::vector<torch::Tensor> out;
  for (auto& p : run.model->parameters()) out.push_back(p.detach().clone());
  for (auto& b : run.model->buffers()) out.push_back(b.detach().clone());
  return out;
}

std::vector<std::string> unreadable_checkpoints(const std::string& run_dir) {
  auto cfg = load_config(run_dir + "/config.yaml");
  auto data = make_dataset(cfg);
  std::vector<std::string> bad;
  for (const auto& f : list_checkpoints(run_dir + "/checkpoints")) {
    auto model = cli::build_model(cfg, data->spec());
    try {
      load_checkpoint(f, *model, nullptr, torch::Device(torch::kCPU));
    } catch (const std::exception& e) {
      bad.push_back(f + ": " + e.what());
    }
  }
  return bad;
}

double max_abs_diff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].sizes() != b[i].sizes()) return std::numeric_limits<double>::infinity();
    if (a[i].numel() == 0) continue;
    m = std::max(m, (a[i].to(torch::kDouble) - b[i].to(torch::kDouble)).abs().max().item<double>());
  }
  return m;
}

bool bitwise_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

}  // namespace lpa::test
