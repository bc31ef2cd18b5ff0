#include "lpa/objectives/exit_curriculum.h"

#include <algorithm>

namespace lpa {

std::vector<bool> active_exits(const LossSection& loss, int64_t depth, int64_t step, int64_t total) {
  std::vector<bool> e(static_cast<size_t>(depth));
  if (loss.curriculum == "rotational") {
    const int64_t period =
        loss.rotation_period > 0 ? loss.rotation_period : std::max<int64_t>(1, depth / 4);
    for (int64_t l = 1; l <= depth; ++l) e[l - 1] = (l + step) % period == 0 || l == depth;
    return e;
  }
  if (loss.curriculum == "gradual" && depth > 1) {
    // step >= (N - l) T / (2(N - 1)), in integers: 2 (N - 1) step >= (N - l) T.
    for (int64_t l = 1; l <= depth; ++l) e[l - 1] = 2 * (depth - 1) * step >= (depth - l) * total;
    return e;
  }
  return {};
}

}  // namespace lpa
