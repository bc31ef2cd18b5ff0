#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/models/registry.h"
#include "lpa/models/residual_mlp.h"

using namespace lpa;

static ModelPtr tiny_mlp(const std::string& head, int64_t depth = 5) {
  auto cfg = parse_config("model:\n  depth: " + std::to_string(depth) + "\n  width: 8\n  head: " + head +
                              "\n  norm: layernorm\n",
                          "t.yaml");
  DataSpec spec;
  spec.input_shape = {3};
  spec.output_dim = 2;
  torch::manual_seed(1);
  return make_model(cfg, spec);
}

TEST_CASE("residual_mlp: shapes at every depth, shared and per-depth heads") {
  for (std::string head : {"shared", "per_depth"}) {
    auto m = tiny_mlp(head);
    auto x = torch::randn({4, 3});
    auto outs = m->forward_all(x, 5);
    REQUIRE(outs.size() == 5);
    for (auto& o : outs) CHECK(o.sizes() == torch::IntArrayRef({4, 2}));
  }
}

TEST_CASE("residual_mlp: forward_all agrees with forward(x, l) for every l") {
  for (std::string head : {"shared", "per_depth"}) {
    auto m = tiny_mlp(head, 6);
    m->eval();
    auto x = torch::randn({16, 3});
    auto outs = m->forward_all(x, 6);
    for (int64_t l = 1; l <= 6; ++l) {
      INFO("head " << head << " depth " << l);
      CHECK((outs[l - 1] - m->forward(x, l)).abs().max().item<double>() <= 1e-6);
    }
  }
}

TEST_CASE("residual_mlp: forward_all with some exits gives each computed exit its own prediction") {
  // The shared head runs once over the computed exits stacked: the split must land each
  // exit's rows at that exit.
  for (std::string head : {"shared", "per_depth"}) {
    auto m = tiny_mlp(head, 6);
    m->eval();
    auto x = torch::randn({16, 3});
    ForwardOptions o;
    o.exits = {false, true, true, false, false, true};
    auto outs = m->forward_all(x, 6, o);
    for (int64_t l = 1; l <= 6; ++l) {
      INFO("head " << head << " depth " << l);
      REQUIRE(outs[l - 1].defined() == o.exits[l - 1]);
      if (o.exits[l - 1]) CHECK((outs[l - 1] - m->forward(x, l)).abs().max().item<double>() <= 1e-6);
    }
  }
}

TEST_CASE("residual_mlp: a block is h + f(h)") {
  auto m = tiny_mlp("shared");
  auto& blk = dynamic_cast<MlpBlockImpl&>(m->block_module(2));
  auto h = torch::randn({4, 8});
  auto f = blk.fc2->forward(torch::relu(blk.fc1->forward(blk.norm->forward(h))));
  CHECK(torch::allclose(m->block(2, h), h + f, 1e-6, 1e-6));
}

TEST_CASE("residual_mlp: parameters and flops per depth") {
  auto shared = tiny_mlp("shared");
  auto per = tiny_mlp("per_depth");
  const int64_t stem = 3 * 8 + 8, block = 2 * (8 * 8 + 8) + 2 * 8, head = 8 * 2 + 2;
  CHECK(shared->params_at_depth(1) == stem + block + head);
  CHECK(shared->params_at_depth(5) == stem + 5 * block + head);
  CHECK(per->params_at_depth(3) == stem + 3 * block + head);  // only head 3 counts
  CHECK(shared->flops_per_sample(4) > shared->flops_per_sample(2));
}

TEST_CASE("residual_mlp: depth out of range is a user error") {
  auto m = tiny_mlp("shared");
  CHECK_THROWS_AS(m->forward(torch::randn({1, 3}), 0), UserError);
  CHECK_THROWS_WITH(m->forward_all(torch::randn({1, 3}), 6), "depth 6 is out of range 1..5");
}

TEST_CASE("residual_mlp: init_scale 0 makes every block the identity") {
  auto cfg = parse_config("model:\n  depth: 3\n  width: 8\n  init_scale: 0\n", "t.yaml");
  DataSpec spec;
  spec.input_shape = {2};
  auto m = make_model(cfg, spec);
  auto h = torch::randn({5, 8});
  CHECK(torch::allclose(m->block(1, h), h));
}
