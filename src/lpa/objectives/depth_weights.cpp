#include "lpa/objectives/depth_weights.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "lpa/errors.h"

namespace lpa {

std::vector<double> depth_weights(const std::string& kind, int64_t depth,
                                  const std::vector<double>& explicit_weights, double progress) {
  const int64_t n = depth;
  std::vector<double> w(n);
  for (int64_t l = 1; l <= n; ++l) {
    double v;
    if (kind == "uniform") v = 1.0;
    else if (kind == "linear") v = static_cast<double>(l);
    else if (kind == "sqrt") v = std::sqrt(static_cast<double>(l));
    else if (kind == "inverse") v = 1.0 / static_cast<double>(l);
    else if (kind == "sdn") v = l == n ? 1.0 : std::max(0.01, progress) * static_cast<double>(l) / n;
    else if (kind == "list") {
      if (static_cast<int64_t>(explicit_weights.size()) != n)
        throw UserError("loss.weights: has " + std::to_string(explicit_weights.size()) +
                        " entries for " + std::to_string(n) + " depths");
      v = explicit_weights[l - 1];
    } else {
      throw UserError("loss.weights: unknown kind '" + kind + "'");
    }
    w[l - 1] = v;
  }
  double sum = std::accumulate(w.begin(), w.end(), 0.0);
  if (sum <= 0) throw UserError("loss.weights: at least one weight must be positive");
  for (auto& v : w) v /= sum;
  return w;
}

std::vector<double> shape_depth_weights(std::vector<double> w, double final_weight, double aux_ramp,
                                        double progress) {
  const size_t n = w.size();
  if (n < 2) return w;
  double others = std::accumulate(w.begin(), w.end() - 1, 0.0);
  if (final_weight > 0 && others > 0) w[n - 1] = final_weight * others;
  if (aux_ramp > 0) {
    const double scale = std::clamp(progress / aux_ramp, 0.01, 1.0);
    for (size_t l = 0; l + 1 < n; ++l) w[l] *= scale;
  }
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  for (auto& v : w) v /= total;
  return w;
}

}  // namespace lpa
