// Named target functions for surface fitting. Inputs are sampled on the function's domain.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace lpa {

struct SurfaceFunction {
  std::string name;
  std::string formula;        // for docs and logs
  double lo = -1.0, hi = 1.0; // domain per coordinate: [lo, hi]^d
  int64_t min_dim = 1, max_dim = 64;
  std::function<torch::Tensor(const torch::Tensor&)> f;  // x [n, d] -> y [n, 1]
};

const std::vector<SurfaceFunction>& surface_functions();
const SurfaceFunction* find_surface_function(const std::string& name);

}  // namespace lpa
