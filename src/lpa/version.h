#pragma once
#include <string>

namespace lpa {

std::string lpa_version();
std::string libtorch_version();
// The BLAS library LibTorch resolved at run time (e.g. "OpenBLAS 0.3.21 ... (openmp)"), found
// by asking OpenBLAS itself or by reading /proc/self/maps: what the binary really uses.
std::string blas_in_use();
// One line for `lpa --version`.
std::string version_banner();

}  // namespace lpa
