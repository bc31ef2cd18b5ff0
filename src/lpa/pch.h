// Precompiled for every target: LibTorch's umbrella header is the dominant compile cost.
#pragma once
#include <torch/torch.h>
#include <yaml-cpp/yaml.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>
