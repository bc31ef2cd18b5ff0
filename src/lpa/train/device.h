#pragma once
#include <torch/torch.h>

#include <string>

namespace lpa {

// auto -> cuda if LibTorch sees a GPU, else cpu; cuda[:i] fails clearly when there is none.
torch::Device resolve_device(const std::string& spec);
// 0 = all cores. Returns the number set.
int64_t configure_threads(int64_t threads);

}  // namespace lpa
