#include "lpa/data/surface_dataset.h"

#include <cmath>
#include <sstream>

#include "lpa/config/suggest.h"
#include "lpa/data/surface_functions.h"
#include "lpa/errors.h"

namespace lpa {
namespace {

class SurfaceDataset : public Dataset {
 public:
  SurfaceDataset(const SurfaceFunction& fn, int64_t dim, std::vector<torch::Tensor> xs,
                 std::vector<torch::Tensor> ys, std::string sampling)
      : fn_(fn), dim_(dim), xs_(std::move(xs)), ys_(std::move(ys)), sampling_(std::move(sampling)) {}

  DataSpec spec() const override {
    DataSpec s;
    s.task = Task::regression;
    s.input_shape = {dim_};
    s.output_dim = 1;
    return s;
  }
  int64_t size(Split s) const override { return xs_[static_cast<int>(s)].size(0); }
  Batch get(Split s, const torch::Tensor& idx, bool) const override {
    int i = static_cast<int>(s);
    const torch::Tensor at = idx.to(xs_[i].device());
    return {xs_[i].index_select(0, at), ys_[i].index_select(0, at)};
  }
  std::string describe() const override {
    std::ostringstream o;
    o << "surface " << fn_.name << " (" << fn_.formula << "), d=" << dim_ << ", train "
      << size(Split::train) << " (" << sampling_ << "), val " << size(Split::val) << ", test "
      << size(Split::test);
    return o.str();
  }

 protected:
  std::vector<torch::Tensor*> sample_tensors() override {
    std::vector<torch::Tensor*> t;
    for (auto& x : xs_) t.push_back(&x);
    for (auto& y : ys_) t.push_back(&y);
    return t;
  }

 private:
  const SurfaceFunction& fn_;
  int64_t dim_;
  std::vector<torch::Tensor> xs_, ys_;
  std::string sampling_;
};

torch::Tensor uniform_points(int64_t n, int64_t d, double lo, double hi, at::Generator& g) {
  return torch::rand({n, d}, g, torch::kFloat32) * (hi - lo) + lo;
}

// The largest full grid with at most n points (side^d <= n).
torch::Tensor grid_points(int64_t n, int64_t d, double lo, double hi) {
  int64_t side = std::max<int64_t>(2, static_cast<int64_t>(std::floor(std::pow(n, 1.0 / d) + 1e-9)));
  torch::Tensor axis = torch::linspace(lo, hi, side, torch::kFloat32);
  std::vector<torch::Tensor> axes(d, axis);
  auto mesh = torch::meshgrid(axes, "ij");
  std::vector<torch::Tensor> cols;
  cols.reserve(mesh.size());
  for (auto& m : mesh) cols.push_back(m.reshape({-1, 1}));
  return torch::cat(cols, 1);
}

}  // namespace

DatasetPtr make_surface_dataset(const ExperimentConfig& cfg) {
  const auto& d = cfg.data;
  const SurfaceFunction* fn = find_surface_function(d.function);
  if (!fn) {
    std::vector<std::string> names;
    for (const auto& f : surface_functions()) names.push_back(f.name);
    std::string hint = closest_match(d.function, names);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw UserError(cfg.where("data.function") + ": unknown surface '" + d.function + "'" +
                    (hint.empty() ? "" : " (did you mean " + hint + "?)") + "; known: " + list);
  }
  if (d.dim < fn->min_dim || d.dim > fn->max_dim)
    throw UserError(cfg.where("data.dim") + ": " + fn->name + " is defined for d in [" +
                    std::to_string(fn->min_dim) + ", " + std::to_string(fn->max_dim) + "], got " +
                    std::to_string(d.dim));
  const int64_t seed = d.seed >= 0 ? d.seed : cfg.train.seed;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed) * 7919 + 17);
  torch::NoGradGuard no_grad;
  torch::Tensor xtr = d.sampling == "grid" ? grid_points(d.n_train, d.dim, fn->lo, fn->hi)
                                           : uniform_points(d.n_train, d.dim, fn->lo, fn->hi, gen);
  torch::Tensor xva = uniform_points(d.n_val, d.dim, fn->lo, fn->hi, gen);
  torch::Tensor xte = uniform_points(d.n_test, d.dim, fn->lo, fn->hi, gen);
  torch::Tensor ytr = fn->f(xtr);
  if (d.noise > 0) ytr = ytr + d.noise * torch::randn(ytr.sizes(), gen, torch::kFloat32);
  return std::make_shared<SurfaceDataset>(*fn, d.dim, std::vector<torch::Tensor>{xtr, xva, xte},
                                          std::vector<torch::Tensor>{ytr, fn->f(xva), fn->f(xte)},
                                          d.sampling);
}

}  // namespace lpa
