// Smoke test of src/lpa/dist/communicator.cpp against another LibTorch (e.g. a pip torch 2.x
// with CUDA): two forked ranks all-reduce and broadcast over Gloo; with CUDA, a one-rank NCCL
// group all-reduces a GPU tensor. Built and run by scripts/gpu/check_dist_libtorch.sh.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "lpa/dist/communicator.h"

using namespace lpa::dist;

static int rank_main(int rank, int port) {
  Rendezvous rv;
  rv.rank = rank;
  rv.world_size = 2;
  rv.port = port;
  auto comm = connect(rv, "gloo", torch::kCPU, std::chrono::seconds(60));
  std::vector<torch::Tensor> t = {torch::full({1000}, static_cast<float>(rank + 1))};
  comm->all_reduce_sum(t);
  std::vector<torch::Tensor> m = {torch::tensor({static_cast<double>(rank)})};
  comm->all_reduce_max(m);
  std::vector<torch::Tensor> b = {torch::full({3}, static_cast<double>(rank + 5))};
  comm->broadcast(b, 0);
  comm->barrier();
  const bool ok = t[0].eq(3).all().item<bool>() && m[0].item<double>() == 1.0 && b[0].eq(5).all().item<bool>();
  std::printf("gloo rank %d: %s\n", rank, ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}

int main() {
  std::cout << "backends: ";
  for (auto& b : available_backends()) std::cout << b << " ";
  std::cout << "\n";
  const int port = 29000 + getpid() % 1000;
  pid_t child = fork();
  if (child == 0) _exit(rank_main(1, port));
  int failed = rank_main(0, port);
  int status = 0;
  waitpid(child, &status, 0);
  failed |= WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  if (torch::cuda::is_available()) {
    Rendezvous rv;
    rv.port = port + 1;
    auto comm = connect(rv, "nccl", torch::Device(torch::kCUDA, 0), std::chrono::seconds(60));
    std::vector<torch::Tensor> t = {torch::full({1000}, 2.0f, torch::Device(torch::kCUDA, 0))};
    comm->all_reduce_sum(t);
    comm->barrier();
    const bool ok = t[0].eq(2).all().item<bool>();
    std::printf("nccl (1 rank on %s): %s\n", torch::cuda::device_count() ? "cuda:0" : "?", ok ? "ok" : "WRONG");
    failed |= ok ? 0 : 1;
  }
  std::printf(failed ? "FAILED\n" : "PASSED\n");
  return failed;
}
