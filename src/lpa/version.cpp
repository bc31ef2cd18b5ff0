#include "lpa/version.h"

#include <dlfcn.h>
#include <torch/version.h>

#include <fstream>
#include <sstream>

#include <torch/torch.h>

namespace lpa {

std::string lpa_version() { return LPA_VERSION; }

std::string libtorch_version() {
  std::ostringstream s;
  s << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR << "." << TORCH_VERSION_PATCH;
  return s.str();
}

static std::string loaded_blas_path() {
  // BLAS is linked lazily through libblas.so.3 alternatives: force one call so it is mapped.
  (void)torch::mm(torch::ones({2, 2}), torch::ones({2, 2}));
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto pos = line.find('/');
    if (pos == std::string::npos) continue;
    std::string path = line.substr(pos);
    auto slash = path.rfind('/');
    std::string file = path.substr(slash + 1);
    // GPU BLAS libraries (cuBLAS, hipBLAS) are mapped by CUDA builds but do not serve the CPU.
    if (file.find("cublas") != std::string::npos || file.find("hipblas") != std::string::npos ||
        file.find("rocblas") != std::string::npos)
      continue;
    if (file.find("blas") != std::string::npos || file.find("mkl_core") != std::string::npos ||
        file.find("libmkl") != std::string::npos) {
      return path;
    }
  }
  return "";
}

std::string blas_in_use() {
  std::string path = loaded_blas_path();
  using ConfigFn = char* (*)();
  if (auto fn = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    std::string cfg = fn();
    return "OpenBLAS (" + cfg + ")" + (path.empty() ? "" : " " + path);
  }
  if (path.find("mkl") != std::string::npos) return "MKL " + path;
  if (path.find("openblas") != std::string::npos) return "OpenBLAS " + path;
  if (path.empty()) return at::hasMKL() ? "MKL (linked into LibTorch)" : "none found (LibTorch's own kernels)";
  return "reference BLAS (slow: install libopenblas0-openmp) " + path;
}

std::string version_banner() {
  std::ostringstream s;
  s << "lpa " << lpa_version() << ", LibTorch " << libtorch_version()
    << (torch::cuda::is_available() ? " (CUDA available)" : " (CPU)") << ", BLAS: " << blas_in_use()
    << ", threads: " << torch::get_num_threads();
  return s.str();
}

}  // namespace lpa
