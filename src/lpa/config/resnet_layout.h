// The block layout a ResNet config asks for, with presets resolved. Shared by validation (which
// needs the depth before a model exists) and the model itself.
#pragma once
#include <cstdint>
#include <vector>

#include "lpa/config/config.h"

namespace lpa {

struct ResNetLayout {
  std::vector<int64_t> stages;  // blocks per stage
  std::vector<int64_t> widths;  // channels per stage
  bool isotropic = false;       // no downsampling between stages
  int64_t depth() const;        // total blocks = number of exits
  bool one_width() const;
};

// model.preset (resnet20 | resnet32 | resnet56: He et al.'s CIFAR ResNets, 3 stages of
// 3 / 5 / 9 BasicBlocks at widths 16, 32, 64) or model.stages + model.widths.
ResNetLayout resnet_layout(const ModelSection& m);

}  // namespace lpa
