#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/models/registry.h"
#include "lpa/models/residual_mlp.h"

using namespace lpa;

static ModelPtr tiny_mlp(const std::string& head, int64_t depth = 5, int64_t exit_width = 0) {
  auto cfg = parse_config("model:\n  depth: " + std::to_string(depth) + "\n  width: 8\n  head: " + head +
                              "\n  norm: layernorm\n  exit_width: " + std::to_string(exit_width) + "\n",
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
  for (auto [head, exit_width] : {std::pair<std::string, int64_t>{"shared", 0}, {"per_depth", 0}, {"shared", 5}}) {
    auto m = tiny_mlp(head, 6, exit_width);
    m->eval();
    auto x = torch::randn({16, 3});
    auto outs = m->forward_all(x, 6);
    for (int64_t l = 1; l <= 6; ++l) {
      INFO("head " << head << " exit_width " << exit_width << " depth " << l);
      CHECK((outs[l - 1] - m->forward(x, l)).abs().max().item<double>() <= 1e-6);
    }
  }
}

TEST_CASE("residual_mlp: forward_all with some exits gives each computed exit its own prediction") {
  // The shared head runs once over the computed exits stacked (with adapters, one batched
  // product of each exit's own): the split must land each exit's rows at that exit.
  for (auto [head, exit_width] : {std::pair<std::string, int64_t>{"shared", 0}, {"per_depth", 0}, {"shared", 5}}) {
    auto m = tiny_mlp(head, 6, exit_width);
    m->eval();
    auto x = torch::randn({16, 3});
    ForwardOptions o;
    o.exits = {false, true, true, false, false, true};
    auto outs = m->forward_all(x, 6, o);
    for (int64_t l = 1; l <= 6; ++l) {
      INFO("head " << head << " exit_width " << exit_width << " depth " << l);
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

TEST_CASE("residual_mlp: model.exit_width gives every exit its own linear + act before the shared head") {
  auto m = tiny_mlp("shared", 4, 5);
  auto& head = dynamic_cast<MlpHeadImpl&>(m->head_module(1));
  CHECK(&m->head_module(4) == &head);
  REQUIRE(head.exit_fcs.size() == 4);  // one adapter per exit, the linear layer shared
  CHECK(head.exit_fcs[2]->weight.sizes() == torch::IntArrayRef({5, 8}));
  CHECK(head.weight.sizes() == torch::IntArrayRef({2, 5}));

  // Exit 3 reads the third adapter: linear(relu(A_3 h + a_3), W, b).
  auto h = torch::randn({7, 8});
  auto z = torch::relu(torch::addmm(head.exit_fcs[2]->bias, h, head.exit_fcs[2]->weight.t()));
  CHECK((m->head(3, h) - torch::addmm(head.bias, z, head.weight.t())).abs().max().item<double>() <= 1e-6);
  CHECK((m->head(2, h) - m->head(3, h)).abs().max().item<double>() > 1e-3);  // exit 2 has its own
  // ... and so does the batched path of forward_all (exits stacked, adapters in one product).
  auto hs = m->heads({2, 3}, {h, h});
  CHECK((hs[0] - m->head(2, h)).abs().max().item<double>() <= 1e-6);
  CHECK((hs[1] - m->head(3, h)).abs().max().item<double>() <= 1e-6);

  // A depth counts exactly one adapter, its own; checkpoints and exports name it head.exit_fc<l>
  // and exit l's pieces weight, bias, exit_fc.*.
  const int64_t stem = 3 * 8 + 8, block = 2 * (8 * 8 + 8) + 2 * 8, adapter = 8 * 5 + 5, linear = 5 * 2 + 2;
  CHECK(m->params_at_depth(1) == stem + block + adapter + linear);
  CHECK(m->params_at_depth(3) == stem + 3 * block + adapter + linear);
  std::vector<std::string> names;
  for (const auto& [name, t] : m->exit_tensors(3)) names.push_back(name);
  CHECK(names == std::vector<std::string>{"weight", "bias", "exit_fc.weight", "exit_fc.bias"});
  CHECK(m->exit_tensors(3)[2].second.is_same(head.exit_fcs[2]->weight));
  CHECK(m->named_parameters().contains("head.exit_fc4.bias"));
  CHECK(m->head_flops_per_sample(2) == Approx(2.0 * 8 * 5 + 2.0 * 5 * 2));
  CHECK(m->flops_per_sample(2) - m->head_flops_per_sample(2) ==
        Approx(tiny_mlp("shared", 4)->flops_per_sample(2) - 2.0 * 8 * 2));

  // Without adapters the head is the plain linear layer it always was: same names, same draws.
  auto plain = tiny_mlp("shared", 4);
  CHECK(plain->named_parameters().contains("head.weight"));
  CHECK(plain->named_parameters().size() == 2 + 4 * 6 + 2);
  torch::manual_seed(1);  // tiny_mlp's seed: stem, then fc1 and fc2 of each block, then the head
  torch::nn::Linear stem_ref(3, 8);
  for (int i = 0; i < 2 * 4; ++i) torch::nn::Linear(8, 8);
  torch::nn::Linear head_ref(8, 2);
  auto& plain_head = dynamic_cast<MlpHeadImpl&>(plain->head_module(1));
  CHECK(torch::equal(head_ref->weight, plain_head.weight));
  CHECK(torch::equal(head_ref->bias, plain_head.bias));
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
