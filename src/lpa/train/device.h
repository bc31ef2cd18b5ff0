#pragma once
#include <torch/torch.h>

#include <string>

namespace lpa {

// auto -> cuda if LibTorch sees a GPU, else cpu; cuda[:i] fails clearly when there is none.
torch::Device resolve_device(const std::string& spec);
// 0 = all cores this process may run on. Returns the number set.
int64_t configure_threads(int64_t threads);
// Cores in this process's CPU affinity mask (what Slurm or taskset granted), else all cores.
int64_t available_cores();

}  // namespace lpa
