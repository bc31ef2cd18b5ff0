#include "lpa/data/surface_functions.h"

#include <cmath>

namespace lpa {
namespace {

using torch::Tensor;
constexpr double kPi = 3.14159265358979323846;

Tensor col(const Tensor& x, int64_t i) { return x.select(1, i); }

Tensor franke(const Tensor& x) {
  Tensor a = col(x, 0) * 9, b = col(x, 1) * 9;
  Tensor t1 = 0.75 * torch::exp(-((a - 2).pow(2) + (b - 2).pow(2)) / 4);
  Tensor t2 = 0.75 * torch::exp(-(a + 1).pow(2) / 49 - (b + 1) / 10);
  Tensor t3 = 0.5 * torch::exp(-((a - 7).pow(2) + (b - 3).pow(2)) / 4);
  Tensor t4 = -0.2 * torch::exp(-(a - 4).pow(2) - (b - 7).pow(2));
  return (t1 + t2 + t3 + t4).unsqueeze(1);
}

// MATLAB's peaks on [-3,3]^2, reached from [-1,1]^2; divided by 8 to keep targets O(1).
Tensor peaks(const Tensor& x) {
  Tensor a = col(x, 0) * 3, b = col(x, 1) * 3;
  Tensor z = 3 * (1 - a).pow(2) * torch::exp(-a.pow(2) - (b + 1).pow(2)) -
             10 * (a / 5 - a.pow(3) - b.pow(5)) * torch::exp(-a.pow(2) - b.pow(2)) -
             1.0 / 3 * torch::exp(-(a + 1).pow(2) - b.pow(2));
  return (z / 8).unsqueeze(1);
}

// Rosenbrock on [-2,2]^d (scaled from [-1,1]^d), divided by its scale so targets are O(1).
Tensor rosenbrock(const Tensor& x) {
  Tensor z = x * 2;
  int64_t d = z.size(1);
  if (d == 1) return (1 - z).pow(2) / 9;
  Tensor a = z.narrow(1, 0, d - 1), b = z.narrow(1, 1, d - 1);
  Tensor s = (100 * (b - a.pow(2)).pow(2) + (1 - a).pow(2)).sum(1, true);
  return s / (400.0 * (d - 1));
}

// Ackley on [-2,2]^d.
Tensor ackley(const Tensor& x) {
  Tensor z = x * 2;
  double d = static_cast<double>(z.size(1));
  Tensor r = torch::sqrt(z.pow(2).sum(1, true) / d);
  Tensor c = torch::cos(2 * kPi * z).sum(1, true) / d;
  return (-20 * torch::exp(-0.2 * r) - torch::exp(c) + 20 + std::exp(1.0)) / 5;
}

// Rastrigin on [-5.12,5.12]^d, divided by 20 d: many local bumps.
Tensor rastrigin(const Tensor& x) {
  Tensor z = x * 5.12;
  double d = static_cast<double>(z.size(1));
  return (10 * d + (z.pow(2) - 10 * torch::cos(2 * kPi * z)).sum(1, true)) / (20 * d);
}

// Radial sinc sin(pi r)/(pi r) with r = 3 |x|.
Tensor radial_sinc(const Tensor& x) {
  Tensor r = 3 * kPi * torch::sqrt(x.pow(2).sum(1, true));
  return torch::where(r.abs() < 1e-8, torch::ones_like(r), torch::sin(r) / r);
}

Tensor sincos(const Tensor& x) { return (torch::sin(kPi * col(x, 0)) * torch::cos(kPi * col(x, 1))).unsqueeze(1); }

// sin(6 pi x) sin(6 pi y): 36 bumps, beyond what one or two blocks can fit.
Tensor high_frequency(const Tensor& x) {
  return (torch::sin(6 * kPi * col(x, 0)) * torch::sin(6 * kPi * col(x, 1))).unsqueeze(1);
}

// A Gabor patch: a plane wave under a Gaussian envelope.
Tensor gabor(const Tensor& x) {
  Tensor env = torch::exp(-(x.pow(2).sum(1, true)) / (2 * 0.35 * 0.35));
  return env * torch::cos(2 * kPi * 2.5 * (col(x, 0) + col(x, 1)).unsqueeze(1) / std::sqrt(2.0));
}

}  // namespace

const std::vector<SurfaceFunction>& surface_functions() {
  static const std::vector<SurfaceFunction> fs = {
      {"franke", "Franke's function on [0,1]^2", 0.0, 1.0, 2, 2, franke},
      {"peaks", "MATLAB peaks(3x, 3y) / 8 on [-1,1]^2", -1.0, 1.0, 2, 2, peaks},
      {"rosenbrock", "Rosenbrock(2x) / (400 (d-1)) on [-1,1]^d", -1.0, 1.0, 1, 64, rosenbrock},
      {"ackley", "Ackley(2x) / 5 on [-1,1]^d", -1.0, 1.0, 1, 64, ackley},
      {"rastrigin", "Rastrigin(5.12x) / (20 d) on [-1,1]^d", -1.0, 1.0, 1, 64, rastrigin},
      {"sinc", "sin(3 pi |x|) / (3 pi |x|) on [-1,1]^d", -1.0, 1.0, 1, 64, radial_sinc},
      {"sincos", "sin(pi x) cos(pi y) on [-1,1]^2", -1.0, 1.0, 2, 2, sincos},
      {"high_frequency", "sin(6 pi x) sin(6 pi y) on [-1,1]^2", -1.0, 1.0, 2, 2, high_frequency},
      {"gabor", "exp(-|x|^2 / 0.245) cos(5 pi (x+y)/sqrt 2) on [-1,1]^2", -1.0, 1.0, 2, 2, gabor},
  };
  return fs;
}

const SurfaceFunction* find_surface_function(const std::string& name) {
  for (const auto& f : surface_functions())
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace lpa
