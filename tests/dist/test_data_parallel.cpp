// Gradient averaging after backward, broadcast and metric reduction over two ranks
// (two_ranks.h: two threads, a real Gloo group).
#include "catch.h"
#include "lpa/dist/data_parallel.h"
#include "two_ranks.h"

using namespace lpa;
using namespace lpa::dist;
using lpa::test::on_two_ranks;

TEST_CASE("data parallel: gradients averaged in buckets, parameters broadcast, metrics reduced") {
  lpa::test::require_gloo();
  // Per-rank gradients of mixed dtypes and shapes; 40-byte buckets force several buckets
  // and a dtype change splits one.
  std::vector<torch::Tensor> averaged[2];
  std::vector<torch::Tensor> broadcast_result[2];
  std::vector<double> sums[2], maxes[2];
  on_two_ranks([&](Communicator& comm) {
    const int r = static_cast<int>(comm.rank());
    std::vector<torch::Tensor> params = {torch::zeros({3}), torch::zeros({2, 2}), torch::zeros({5}, torch::kDouble),
                                         torch::zeros({1})};
    for (size_t i = 0; i < params.size(); ++i) {
      params[i].set_requires_grad(true);
      params[i].mutable_grad() = torch::full_like(params[i], 1.0 + r * 10.0 + static_cast<double>(i));
    }
    average_gradients(comm, params, 40);
    for (auto& p : params) averaged[r].push_back(p.grad().clone());

    torch::nn::Linear lin(3, 2);
    torch::NoGradGuard ng;
    for (auto& p : lin->parameters()) p.fill_(static_cast<double>(r + 1));
    broadcast_module(comm, *lin);
    for (auto& p : lin->parameters()) broadcast_result[r].push_back(p.clone());

    sums[r] = {1.0 + r, 0.5};
    sum_doubles(comm, sums[r]);
    maxes[r] = {static_cast<double>(r == 1 ? 15 : 0), -1.0 - r};
    max_doubles(comm, maxes[r]);
  });
  for (int r = 0; r < 2; ++r) {
    REQUIRE(averaged[r].size() == 4);
    for (size_t i = 0; i < 4; ++i) {
      // mean of (1 + i) and (11 + i)
      CHECK(torch::allclose(averaged[r][i], torch::full_like(averaged[r][i], 6.0 + static_cast<double>(i))));
      CHECK(averaged[r][i].scalar_type() == (i == 2 ? torch::kDouble : torch::kFloat));
    }
    for (auto& p : broadcast_result[r]) CHECK(torch::equal(p, torch::ones_like(p)));  // rank 0's values
    CHECK(sums[r] == std::vector<double>{3.0, 1.0});
    CHECK(maxes[r] == std::vector<double>{15.0, -1.0});
  }
}

TEST_CASE("data parallel: a backend this build lacks is a clear error") {
  Rendezvous rv;
  CHECK_THROWS_WITH(connect(rv, "gloo", torch::Device(torch::kCUDA, 0), std::chrono::seconds(1)),
                    Catch::Contains("use nccl"));
  CHECK_THROWS_WITH(connect(rv, "nccl", torch::kCPU, std::chrono::seconds(1)),
                    Catch::Contains("nccl needs a CUDA device"));
}
