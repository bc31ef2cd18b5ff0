// The overlapped gradient reducer (dist/gradient_reducer) against the plain average after
// backward (average_gradients), on two ranks that see different data: the same numbers bit for
// bit, buckets started while backward still runs, zeros for a parameter one rank never
// reached, and gradients that arrive after their bucket left.
#include "catch.h"
#include "lpa/dist/data_parallel.h"
#include "lpa/dist/gradient_reducer.h"
#include "two_ranks.h"

using namespace lpa;
using namespace lpa::dist;
using lpa::test::on_two_ranks;

namespace {

// Four layers and a side layer that only rank 1 uses (both at step 2, where the reducer's
// lateness must be the same on every rank); weights from sin(arange), no random numbers
// (the two rank threads share LibTorch's generator).
struct Net {
  torch::nn::Sequential body{torch::nn::Linear(5, 7), torch::nn::Tanh(), torch::nn::Linear(7, 7), torch::nn::Tanh(),
                             torch::nn::Linear(7, 7), torch::nn::Tanh(), torch::nn::Linear(7, 3)};
  torch::nn::Linear side{5, 3};
  std::vector<torch::Tensor> params;
  Net() {
    params = body->parameters();
    for (auto& p : side->parameters()) params.push_back(p);
    torch::NoGradGuard no_grad;
    for (size_t k = 0; k < params.size(); ++k)
      params[k].copy_(torch::sin(torch::arange(params[k].numel()).to(torch::kFloat) * 0.37 + static_cast<double>(k))
                          .view(params[k].sizes()) * 0.5);
  }
  torch::Tensor loss(int64_t rank, int64_t step) {
    auto x = torch::cos(torch::arange(40).to(torch::kFloat).view({8, 5}) * (0.1 + 0.05 * static_cast<double>(rank)) +
                        static_cast<double>(step));
    auto out = body->forward(x);
    if (rank == 1 || step == 2) out = out + side->forward(x);
    return out.pow(2).mean();
  }
  void clear() {
    for (auto& p : params) p.mutable_grad() = torch::Tensor();
  }
};

std::vector<torch::Tensor> grads(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> g;
  for (const auto& p : params) g.push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
  return g;
}

// The reference: backward, zeros where a gradient is undefined, then the plain average.
std::vector<torch::Tensor> averaged_after_backward(Communicator& comm, Net& net, int64_t step, int passes) {
  net.clear();
  for (int i = 0; i < passes; ++i) net.loss(comm.rank(), step).backward();
  for (auto& p : net.params)
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
  average_gradients(comm, net.params, 64);
  return grads(net.params);
}

bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!a[i].defined() || !b[i].defined() || !torch::equal(a[i], b[i])) return false;
  return true;
}

}  // namespace

TEST_CASE("gradient reducer: buckets start during backward and give the plain average bit for bit") {
  lpa::test::require_gloo();
  int64_t buckets[2] = {0, 0}, started[2][3] = {};
  bool equal[2][3] = {};
  torch::Tensor side_grad[2];
  on_two_ranks([&](Communicator& comm) {
    const int r = static_cast<int>(comm.rank());
    Net overlapped, reference;
    // 64-byte buckets: 16 floats each, so the 7x7 weights and the biases spread over many.
    GradientReducer reducer(comm, overlapped.params, 64);
    buckets[r] = reducer.bucket_count();
    for (int64_t step = 0; step < 3; ++step) {  // the same reducer again: its state resets
      // Step 2 runs backward twice before after_backward: every gradient of the second pass
      // arrives after its bucket left, and must still be counted.
      const int passes = step == 2 ? 2 : 1;
      overlapped.clear();
      torch::Tensor loss = overlapped.loss(r, step);
      reducer.before_backward(loss);
      loss.backward();
      for (int i = 1; i < passes; ++i) overlapped.loss(r, step).backward();
      started[r][step] = reducer.started_during_backward();
      reducer.after_backward();
      equal[r][step] = all_equal(grads(overlapped.params), averaged_after_backward(comm, reference, step, passes));
    }
    side_grad[r] = overlapped.side->weight.grad().clone();
  });
  for (int r = 0; r < 2; ++r) {
    INFO("rank " << r);
    CHECK(buckets[r] > 4);
    for (int step = 0; step < 3; ++step) {
      INFO("step " << step);
      CHECK(equal[r][step]);
      // Every bucket starts before backward ends, rank 0's too: the side layer it never
      // reaches (first in reverse order, so in the first bucket) counts as zero from the start.
      CHECK(started[r][step] == buckets[r]);
    }
  }
  // The side layer (step 2): the same averaged gradient on both ranks.
  CHECK(torch::equal(side_grad[0], side_grad[1]));
  CHECK(side_grad[0].abs().sum().item<double>() > 0);
}
