// Two data-parallel ranks as two threads of this process, over a real TCPStore + Gloo group on
// 127.0.0.1.
#pragma once
#include <chrono>
#include <future>

#include "lpa/dist/communicator.h"
#include "test_support.h"

namespace lpa::test {

// Skips the calling test where this build has no Gloo.
inline void require_gloo() {
  const auto b = dist::available_backends();
  if (b.empty() || b[0] != "gloo") skip("this build has no Gloo (install libgloo-dev and rebuild)");
}

// Runs fn(comm) on ranks 0 and 1 concurrently; returns once both are done.
template <typename Fn>
void on_two_ranks(Fn fn) {
  const int port = free_tcp_port();
  auto rank = [&](int r) {
    dist::Rendezvous rv;
    rv.rank = r;
    rv.world_size = 2;
    rv.local_world_size = 2;
    rv.port = port;
    rv.source = "test";
    auto comm = dist::connect(rv, "gloo", torch::kCPU, std::chrono::seconds(30));
    fn(*comm);
  };
  auto other = std::async(std::launch::async, rank, 1);
  rank(0);
  other.get();
}

}  // namespace lpa::test
