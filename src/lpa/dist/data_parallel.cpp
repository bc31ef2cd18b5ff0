#include "lpa/dist/data_parallel.h"

#include "lpa/dist/gradient_reducer.h"

namespace lpa::dist {

void broadcast_module(Communicator& comm, torch::nn::Module& module) {
  if (comm.world_size() == 1) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors;
  for (auto& p : module.parameters()) tensors.push_back(p.data());
  for (auto& b : module.buffers()) tensors.push_back(b);
  // Non-contiguous tensors are sent through a contiguous copy and copied back.
  std::vector<torch::Tensor> wire;
  wire.reserve(tensors.size());
  for (auto& t : tensors) wire.push_back(t.is_contiguous() ? t : t.contiguous());
  comm.broadcast(wire, 0);
  for (size_t i = 0; i < tensors.size(); ++i)
    if (!wire[i].is_same(tensors[i])) tensors[i].copy_(wire[i]);
}

void average_gradients(Communicator& comm, const std::vector<torch::Tensor>& params, int64_t bucket_bytes) {
  if (comm.world_size() == 1) return;
  torch::NoGradGuard no_grad;
  const double scale = 1.0 / static_cast<double>(comm.world_size());
  size_t i = 0;
  while (i < params.size()) {
    // One bucket: consecutive gradients of one dtype and device up to bucket_bytes (at least one).
    const auto& first = params[i].grad();
    std::vector<torch::Tensor> grads = {first};
    int64_t bytes = first.numel() * static_cast<int64_t>(first.element_size());
    size_t j = i + 1;
    for (; j < params.size(); ++j) {
      const auto& g = params[j].grad();
      const int64_t b = g.numel() * static_cast<int64_t>(g.element_size());
      if (g.scalar_type() != first.scalar_type() || g.device() != first.device() || bytes + b > bucket_bytes) break;
      grads.push_back(g);
      bytes += b;
    }
    std::vector<torch::Tensor> flat_views;
    flat_views.reserve(grads.size());
    for (auto& g : grads) flat_views.push_back(g.reshape({-1}));
    std::vector<torch::Tensor> bucket = {torch::cat(flat_views)};
    comm.all_reduce_sum(bucket);
    bucket[0].mul_(scale);
    int64_t offset = 0;
    for (auto& g : grads) {
      const int64_t n = g.numel();
      g.copy_(bucket[0].narrow(0, offset, n).view_as(g));
      offset += n;
    }
    i = j;
  }
}

static void reduce_doubles(Communicator& comm, std::vector<double>& values, bool max) {
  if (comm.world_size() == 1 || values.empty()) return;
  torch::Tensor t = torch::tensor(values, torch::kDouble);
  if (comm.backend() == "nccl") t = t.to(torch::kCUDA);
  std::vector<torch::Tensor> one = {t};
  if (max) comm.all_reduce_max(one);
  else comm.all_reduce_sum(one);
  auto cpu = one[0].to(torch::kCPU).contiguous();
  const double* p = cpu.data_ptr<double>();
  for (size_t k = 0; k < values.size(); ++k) values[k] = p[k];
}

void sum_doubles(Communicator& comm, std::vector<double>& values) { reduce_doubles(comm, values, false); }
void max_doubles(Communicator& comm, std::vector<double>& values) { reduce_doubles(comm, values, true); }

Parallelism make_parallelism(Communicator& comm, double bucket_mb) {
  Parallelism p;
  p.rank = comm.rank();
  p.world_size = comm.world_size();
  const int64_t bucket_bytes = std::max<int64_t>(1, static_cast<int64_t>(bucket_mb * 1024 * 1024));
  Communicator* c = &comm;
  p.make_gradient_sync = [c, bucket_bytes](const std::vector<torch::Tensor>& params) -> std::unique_ptr<GradientSync> {
    return std::make_unique<GradientReducer>(*c, params, bucket_bytes);
  };
  p.sum_across_ranks = [c](std::vector<double>& v) { sum_doubles(*c, v); };
  p.max_across_ranks = [c](std::vector<double>& v) { max_doubles(*c, v); };
  return p;
}

}  // namespace lpa::dist
