// train.cuda_graph, bench --cuda-graph and predict --cuda-graph end to end, on a GPU (a LibTorch
// with CUDA: scripts/gpu/check.sh). Their refusals elsewhere are bad-input cases
// (tests/cli/bad_inputs/*cuda_graph*.yaml); the capture itself is tests/train/test_cuda_graph.cpp.
#ifdef LPA_HAVE_CUDA
#include <torch/torch.h>

#include <cmath>

#include "catch.h"
#include "test_support.h"

using namespace lpa;
using lpa::test::csv_rows;
using lpa::test::run_lpa;
using lpa::test::TempDir;
using lpa::test::write_text;

TEST_CASE("cli cuda graph: training replayed from graphs follows eager training; predict and bench replay too") {
  if (!torch::cuda::is_available()) lpa::test::skip("LibTorch has CUDA but this machine has no GPU");
  TempDir tmp("cuda_graph");
  const std::string cfg = tmp.file("c.yaml");
  write_text(cfg, lpa::test::tiny_surface_yaml("graph", 60));
  // Deterministic kernels on both sides; the graph's optimiser rounds like torch::optim's.
  const std::string sets = " --set train.device=cuda --set train.deterministic=true --set train.log_every=10"
                           " --set train.schedule=cosine --set train.grad_clip=1.0";
  const auto eager = run_lpa("train --config " + cfg + " --run-dir " + tmp.file("eager") + sets);
  REQUIRE(eager.exit_code == 0);
  const auto graphed = run_lpa("train --config " + cfg + " --run-dir " + tmp.file("graphed") + sets +
                               " --set train.cuda_graph=true");
  INFO(graphed.output);
  REQUIRE(graphed.exit_code == 0);
  CHECK(graphed.output.find("cuda_graph: captured the training step at step 2") != std::string::npos);
  CHECK(graphed.output.find("cuda_graph: captured the logging step at step 20") != std::string::npos);
  const auto a = csv_rows(tmp.file("eager/train_log.csv")), b = csv_rows(tmp.file("graphed/train_log.csv"));
  REQUIRE(a.size() == b.size());
  REQUIRE(a.size() == 7);  // header + steps 10..60
  for (size_t r = 1; r < a.size(); ++r)
    for (size_t col = 3; col < 8; ++col) {  // loss, loss_d1..loss_d4
      INFO("row " << r << " column " << a[0][col]);
      const double x = std::stod(a[r][col]), y = std::stod(b[r][col]);
      CHECK(std::abs(x - y) <= 1e-3 * std::abs(x) + 1e-6);
    }

  const std::string in = tmp.file("in.csv");
  write_text(in, "0.1,0.2\n-0.3,0.4\n0.5,-0.6\n");
  for (const std::string& run : {tmp.file("eager")}) {
    REQUIRE(run_lpa("predict --run " + run + " --input " + in + " -o " + tmp.file("p_eager.csv") + " --batch-size 2").exit_code == 0);
    const auto r = run_lpa("predict --run " + run + " --input " + in + " -o " + tmp.file("p_graph.csv") +
                           " --batch-size 2 --cuda-graph");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto pe = csv_rows(tmp.file("p_eager.csv")), pg = csv_rows(tmp.file("p_graph.csv"));
    REQUIRE(pe.size() == 4);  // header + 3 rows: the last batch of one row padded to two
    REQUIRE(pg.size() == pe.size());
    for (size_t i = 1; i < pe.size(); ++i)
      CHECK(std::abs(std::stod(pe[i][1]) - std::stod(pg[i][1])) <= 1e-5);
  }
  const auto bench = run_lpa("bench --run " + tmp.file("eager") + " --cuda-graph --runs 5 --warmup 1 --batch 64 -o " +
                             tmp.file("latency.csv"));
  INFO(bench.output);
  REQUIRE(bench.exit_code == 0);
  CHECK(bench.output.find("CUDA graphs: each depth's forward captured once and replayed") != std::string::npos);
  CHECK(csv_rows(tmp.file("latency.csv")).size() == 9);  // header + 4 depths x 2 batch sizes
}
#endif
