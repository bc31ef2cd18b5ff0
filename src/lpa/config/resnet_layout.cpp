#include "lpa/config/resnet_layout.h"

#include <algorithm>

namespace lpa {

int64_t ResNetLayout::depth() const {
  int64_t n = 0;
  for (auto s : stages) n += s;
  return n;
}

bool ResNetLayout::one_width() const {
  return std::all_of(widths.begin(), widths.end(), [&](int64_t w) { return w == widths.front(); });
}

ResNetLayout resnet_layout(const ModelSection& m) {
  ResNetLayout l;
  l.isotropic = m.isotropic;
  if (m.preset == "resnet20") l.stages = {3, 3, 3};
  else if (m.preset == "resnet32") l.stages = {5, 5, 5};
  else if (m.preset == "resnet56") l.stages = {9, 9, 9};
  if (!l.stages.empty()) {
    l.widths = {16, 32, 64};
    return l;
  }
  l.stages = m.stages;
  l.widths = m.widths;
  return l;
}

}  // namespace lpa
