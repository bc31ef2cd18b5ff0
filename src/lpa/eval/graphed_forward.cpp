#include "lpa/eval/graphed_forward.h"

#include "lpa/errors.h"

namespace lpa {

GraphedForward::GraphedForward(DepthwiseModel& model, int64_t depth, const torch::Tensor& example, int64_t warmup) {
  const torch::Device device = example.device();
  if (std::string why = cuda_graph_unsupported(device); !why.empty()) throw UserError("--cuda-graph: " + why);
  model.check_depth(depth);
  model.eval();
  torch::NoGradGuard no_grad;
  input_ = example.clone();
  for (int64_t i = 0; i < warmup; ++i) model.forward(input_, depth);
  graph_.capture(device, [&] { output_ = model.forward(input_, depth); });
}

torch::Tensor GraphedForward::operator()(const torch::Tensor& x) {
  const int64_t n = x.size(0);
  if (n > batch() || x.sizes().slice(1) != input_.sizes().slice(1))
    throw std::logic_error("GraphedForward: input shape differs from the captured one");
  input_.narrow(0, 0, n).copy_(x, /*non_blocking=*/true);
  if (n < batch()) input_.narrow(0, n, batch() - n).zero_();
  graph_.replay();
  return output_.narrow(0, 0, n).clone();
}

}  // namespace lpa
