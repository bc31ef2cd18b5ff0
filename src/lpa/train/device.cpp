#include "lpa/train/device.h"

#include <sched.h>

#include <thread>

#include "lpa/errors.h"

namespace lpa {

torch::Device resolve_device(const std::string& spec) {
  if (spec == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::kCPU;
  if (spec == "cpu") return torch::kCPU;
  if (spec.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw UserError("train.device: " + spec + " requested but LibTorch sees no CUDA device");
    torch::Device d(spec == "cuda" ? "cuda:0" : spec);
    if (d.index() >= static_cast<int64_t>(torch::cuda::device_count()))
      throw UserError("train.device: " + spec + " but only " +
                      std::to_string(torch::cuda::device_count()) + " CUDA device(s)");
    return d;
  }
  throw UserError("train.device: '" + spec + "' is not auto, cpu, cuda or cuda:<index>");
}

int64_t available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return std::max<int64_t>(1, std::thread::hardware_concurrency());
}

int64_t configure_threads(int64_t threads) {
  int64_t n = threads > 0 ? threads : available_cores();
  torch::set_num_threads(static_cast<int>(n));
  return n;
}

}  // namespace lpa
