// ResNet: shapes at every depth for each head kind, forward_all == forward(x, l), presets,
// projection shortcuts, parameter and FLOP counts, and BatchNorm statistics at shallow exits.
#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/models/registry.h"
#include "lpa/models/resnet.h"
#include "test_support.h"

using namespace lpa;

namespace {

DataSpec image_spec(int64_t c = 3, int64_t h = 12, int64_t w = 12, int64_t classes = 5) {
  DataSpec s;
  s.task = Task::classification;
  s.input_shape = {c, h, w};
  s.output_dim = classes;
  return s;
}

std::shared_ptr<ResNet> tiny_resnet(const std::string& model_yaml, DataSpec spec = image_spec()) {
  auto cfg = parse_config("model:\n  type: resnet\n" + model_yaml + "data:\n  type: cifar10\n", "r.yaml");
  torch::manual_seed(7);
  return std::dynamic_pointer_cast<ResNet>(make_model(cfg, spec));
}

const char* const kVariants[] = {
    "  stages: [2, 1, 2]\n  widths: [4, 8, 6]\n  head: per_stage\n",
    "  stages: [2, 1, 2]\n  widths: [4, 8, 6]\n  head: per_depth\n",
    "  stages: [2, 3]\n  widths: [6, 6]\n  head: shared\n  isotropic: true\n",
    "  stages: [2, 1, 2]\n  widths: [4, 8, 6]\n  head: per_stage\n  preact: true\n",
    "  stages: [2, 1, 2]\n  widths: [4, 8, 6]\n  head: per_depth\n  preact: true\n",
    "  stages: [2, 3]\n  widths: [6, 6]\n  head: shared\n  preact: true\n",
    "  stages: [2, 1, 2]\n  widths: [4, 8, 6]\n  head: per_stage\n  exit_width: 5\n",
    "  stages: [2, 1, 2]\n  widths: [4, 8, 6]\n  head: per_depth\n  preact: true\n  exit_width: 3\n",
};

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

TEST_CASE("resnet: one prediction per block, right shapes, for every head kind") {
  for (const char* v : kVariants) {
    INFO(v);
    auto m = tiny_resnet(v);
    REQUIRE(m->depth() == 5);
    auto x = torch::randn({3, 3, 12, 12});
    auto outs = m->forward_all(x, 5);
    REQUIRE(outs.size() == 5);
    for (auto& o : outs) CHECK(o.sizes() == torch::IntArrayRef({3, 5}));
    // Trajectory shapes: stride 2 where a stage starts, unless isotropic.
    auto h = m->stem(x);
    for (int64_t l = 1; l <= 5; ++l) h = m->block(l, h);
    const bool iso = std::string(v).find("isotropic") != std::string::npos;
    const bool two_stages = std::string(v).find("[2, 3]") != std::string::npos;
    const int64_t side = iso ? 12 : two_stages ? 6 : 3;
    CHECK(h.sizes() == torch::IntArrayRef({3, 6, side, side}));
  }
}

TEST_CASE("resnet: forward_all agrees with forward(x, l) at every depth") {
  for (const char* v : kVariants) {
    INFO(v);
    auto m = tiny_resnet(v);
    // A few training passes first, so BatchNorm running statistics are not the defaults.
    m->train();
    for (int i = 0; i < 3; ++i) m->forward_all(torch::randn({8, 3, 12, 12}) * 2 + 1, 5);
    m->eval();
    auto x = torch::randn({4, 3, 12, 12});
    auto outs = m->forward_all(x, 5);
    for (int64_t l = 1; l <= 5; ++l) {
      INFO("depth " << l);
      CHECK(max_diff(outs[l - 1], m->forward(x, l)) <= 1e-5);
    }
    // Truncated passes give the same prefix.
    auto three = m->forward_all(x, 3);
    CHECK(max_diff(three[2], outs[2]) <= 1e-6);
  }
}

TEST_CASE("resnet: presets are He et al.'s CIFAR ResNets") {
  for (auto [preset, depth] : {std::pair<const char*, int64_t>{"resnet20", 9}, {"resnet32", 15}, {"resnet56", 27}}) {
    INFO(preset);
    auto m = tiny_resnet(std::string("  preset: ") + preset + "\n  head: per_stage\n", image_spec(3, 32, 32, 10));
    CHECK(m->depth() == depth);
    CHECK(m->layout().widths == std::vector<int64_t>{16, 32, 64});
  }
  // ResNet-20 with projection shortcuts ("option B"): count it from the architecture by hand.
  auto m = tiny_resnet("  preset: resnet20\n  head: per_stage\n", image_spec(3, 32, 32, 10));
  auto conv = [](int64_t i, int64_t o, int64_t k) { return i * o * k * k; };
  auto bn = [](int64_t c) { return 2 * c; };
  int64_t expected = conv(3, 16, 3) + bn(16);
  int64_t in = 16;
  for (int64_t w : {16, 32, 64})
    for (int i = 0; i < 3; ++i) {
      expected += conv(in, w, 3) + bn(w) + conv(w, w, 3) + bn(w);
      if (in != w) expected += conv(in, w, 1) + bn(w);
      in = w;
    }
  expected += 64 * 10 + 10;  // the last stage's head
  CHECK(m->params_at_depth(9) == expected);
  CHECK(expected > 270000);  // ~0.27M, as published
  CHECK(expected < 280000);
  // FLOPs: 2 x multiply-adds of every convolution at its output resolution, plus the head.
  double flops = 2.0 * conv(3, 16, 3) * 32 * 32;
  in = 16;
  int64_t side = 32;
  for (int64_t w : {16, 32, 64})
    for (int i = 0; i < 3; ++i) {
      if (in != w) side /= 2;
      flops += 2.0 * (conv(in, w, 3) + conv(w, w, 3)) * side * side;
      if (in != w) flops += 2.0 * conv(in, w, 1) * side * side;
      in = w;
    }
  flops += 2.0 * 64 * 10;
  CHECK(m->flops_per_sample(9) == Approx(flops));
  CHECK(m->flops_per_sample(9) / 1e6 == Approx(82.0).margin(1.5));  // the well-known ~41M MACs
  CHECK(m->flops_per_sample(3) < m->flops_per_sample(4));
}

TEST_CASE("resnet: projection shortcuts exactly where the shape changes") {
  auto m = tiny_resnet("  stages: [2, 2]\n  widths: [4, 8]\n  head: per_stage\n");
  auto& b1 = dynamic_cast<BasicBlockImpl&>(m->block_module(1));
  auto& b3 = dynamic_cast<BasicBlockImpl&>(m->block_module(3));
  CHECK_FALSE(b1.has_projection());
  REQUIRE(b3.has_projection());
  CHECK(b3.proj->weight.sizes() == torch::IntArrayRef({8, 4, 1, 1}));
  CHECK(b3.conv1->options.stride()->at(0) == 2);
  CHECK_FALSE(m->skippable(3));
  CHECK(m->skippable(4));
  // Post-activation block: relu(bn2(conv2(relu(bn1(conv1 h)))) + bn(proj h)).
  m->eval();
  auto h = torch::randn({2, 4, 12, 12});
  auto y = torch::relu(b3.bn1->forward(b3.conv1->forward(h)));
  y = b3.bn2->forward(b3.conv2->forward(y));
  auto expected = torch::relu(y + b3.proj_bn->forward(b3.proj->forward(h)));
  CHECK(max_diff(m->block(3, h), expected) <= 1e-6);
  // Layer dropout never skips a downsampling block (it would break the shapes).
  m->train();
  ForwardOptions o;
  o.layer_drop = 0.99;
  for (int i = 0; i < 5; ++i) CHECK(m->forward_all(torch::randn({2, 3, 12, 12}), 4, o).back().size(1) == 5);
}

TEST_CASE("resnet: heads per stage read the stage's width - per-exit norms counted once") {
  auto post = tiny_resnet("  stages: [2, 1]\n  widths: [4, 8]\n  head: per_stage\n");
  auto pre = tiny_resnet("  stages: [2, 1]\n  widths: [4, 8]\n  head: per_stage\n  preact: true\n");
  CHECK(&post->head_module(1) == &post->head_module(2));
  CHECK(&post->head_module(2) != &post->head_module(3));
  auto& h1 = dynamic_cast<ResNetHeadImpl&>(pre->head_module(1));
  CHECK(h1.fc->weight.sizes() == torch::IntArrayRef({5, 4}));
  CHECK(h1.norms.size() == 2);  // one BatchNorm per exit of stage 1
  // Depth 1 and depth 2 use the same parameters but for one exit norm each; depth 2 adds block 2.
  int64_t block2 = 0;
  for (auto& p : pre->block_module(2).parameters()) block2 += p.numel();
  CHECK(pre->params_at_depth(2) - pre->params_at_depth(1) == block2);
  CHECK(post->params_at_depth(2) - post->params_at_depth(1) == block2);
}

TEST_CASE("resnet: model.exit_width gives every exit its own conv3x3 + BN + act before the pool") {
  auto plain = tiny_resnet("  stages: [2, 1]\n  widths: [4, 8]\n  head: per_stage\n");
  auto m = tiny_resnet("  stages: [2, 1]\n  widths: [4, 8]\n  head: per_stage\n  exit_width: 6\n");
  auto& h1 = dynamic_cast<ResNetHeadImpl&>(m->head_module(1));
  REQUIRE(h1.exit_convs.size() == 2);  // one adapter per exit of stage 1, its fc shared
  CHECK(h1.exit_convs[0]->weight.sizes() == torch::IntArrayRef({6, 4, 3, 3}));
  CHECK(h1.fc->weight.sizes() == torch::IntArrayRef({5, 6}));
  CHECK(dynamic_cast<ResNetHeadImpl&>(plain->head_module(1)).exit_convs.empty());

  // Exit 2 reads the head's second adapter: fc(mean(relu(bn(conv(h))))), on running statistics.
  m->eval();
  auto h = torch::randn({3, 4, 12, 12});
  {
    torch::NoGradGuard g;
    h1.exit_norms[1]->running_mean.uniform_(-0.5, 0.5);
    h1.exit_norms[1]->running_var.uniform_(0.5, 2.0);
  }
  auto z = torch::relu(h1.exit_norms[1]->forward(h1.exit_convs[1]->forward(h)));
  CHECK(max_diff(m->head(2, h), h1.fc->forward(z.mean({2, 3}))) <= 1e-6);
  CHECK(max_diff(m->head(1, h), m->head(2, h)) > 1e-3);  // exit 1 has an adapter of its own

  // A depth counts exactly one adapter: its own.
  auto count = [](torch::nn::Module& x) {
    int64_t n = 0;
    for (auto& p : x.parameters()) n += p.numel();
    return n;
  };
  const int64_t adapter = count(*h1.exit_convs[0]) + count(*h1.exit_norms[0]);
  CHECK(adapter == 6 * 4 * 9 + 2 * 6);
  CHECK(m->params_at_depth(1) == count(m->stem_module()) + count(m->block_module(1)) + count(*h1.fc) + adapter);
  CHECK(m->params_at_depth(2) - m->params_at_depth(1) == count(m->block_module(2)));
  // FLOPs: the adapter's conv at the exit's resolution, then a 6-wide linear layer.
  CHECK(m->head_flops_per_sample(1) == Approx(2.0 * 4 * 6 * 9 * 12 * 12 + 2.0 * 6 * 5));
  CHECK(m->head_flops_per_sample(3) == Approx(2.0 * 8 * 6 * 9 * 6 * 6 + 2.0 * 6 * 5));
}

// docs/batchnorm.md: each BatchNorm belongs to one block (or one exit), and block j's input does
// not depend on where the network is read, so running statistics are valid at every depth.
TEST_CASE("resnet batchnorm: statistics at shallow exits are per block and stay valid") {
  for (bool preact : {false, true}) {
    INFO("preact " << preact);
    const std::string yaml = std::string("  stages: [2, 2]\n  widths: [4, 8]\n  head: per_stage\n") +
                             (preact ? "  preact: true\n" : "");
    auto a = tiny_resnet(yaml), b = tiny_resnet(yaml);
    auto stats = [](torch::nn::Module& m) {
      std::vector<torch::Tensor> v;
      for (auto& buf : m.named_buffers())
        if (buf.key().find("running") != std::string::npos) v.push_back(buf.value().clone());
      return v;
    };
    auto same = [](const std::vector<torch::Tensor>& x, const std::vector<torch::Tensor>& y) {
      for (size_t i = 0; i < x.size(); ++i)
        if (!torch::equal(x[i], y[i])) return false;
      return x.size() == y.size();
    };
    a->train();
    b->train();
    auto before4 = stats(a->block_module(4));
    for (int i = 0; i < 4; ++i) {
      auto x = torch::randn({8, 3, 12, 12}) * 3 + 2;
      a->forward_all(x, 4);  // reads every exit
      b->forward(x, 2);      // a model trained and used at depth 2 only
    }
    // Blocks 1..2 saw the same inputs either way: identical running statistics.
    CHECK(same(stats(a->stem_module()), stats(b->stem_module())));
    for (int64_t l = 1; l <= 2; ++l) CHECK(same(stats(a->block_module(l)), stats(b->block_module(l))));
    // Blocks past the exit are untouched by a depth-2 pass.
    CHECK(same(stats(b->block_module(4)), before4));
    CHECK_FALSE(same(stats(a->block_module(4)), before4));
    // In eval mode, depth 2 reads only blocks 1..2: perturbing deeper statistics changes nothing.
    a->eval();
    auto x = torch::randn({5, 3, 12, 12});
    auto at2 = a->forward(x, 2);
    {
      torch::NoGradGuard g;
      for (auto& buf : a->block_module(3).named_buffers())
        if (buf.key().find("running_mean") != std::string::npos) buf.value().add_(5.0);
    }
    CHECK(max_diff(a->forward(x, 2), at2) == 0);
    if (preact) {
      // The pre-activation head normalises with a BatchNorm of its own exit only.
      auto& head = dynamic_cast<ResNetHeadImpl&>(b->head_module(1));
      CHECK(head.norms[0]->running_mean.abs().sum().item<double>() == 0);  // exit 1 never read by b
      CHECK(head.norms[1]->running_mean.abs().sum().item<double>() > 0);   // exit 2 was
    }
  }
}

TEST_CASE("resnet: config errors") {
  auto err = [](const std::string& model) -> std::string {
    try {
      parse_config("model:\n  type: resnet\n" + model + "data:\n  type: cifar10\n", "r.yaml");
    } catch (const UserError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(err("  preset: resnet20\n  head: shared\n").find("r.yaml:4: model.head: a shared head needs one width") == 0);
  CHECK(err("  widths: [16, 32, 64]\n  isotropic: true\n  head: per_stage\n")
            .find("r.yaml:4: model.isotropic: needs one width for every stage") == 0);
  CHECK(err("  stages: [1, 1]\n  widths: [4, 4]\n  head: shared\n") == "no error");
  CHECK(err("  preset: resnet20\n  head: per_stage\n") == "no error");
  // A resnet's depth is its number of blocks; a model.depth beside it would mean nothing.
  CHECK(err("  preset: resnet20\n  head: per_stage\n  depth: 4\n") ==
        "r.yaml:5: model.depth: ignored by model.type: resnet (its depth is the number of blocks in "
        "model.stages or the preset)");
  try {
    parse_config("model:\n  type: resnet\n  preset: resnet20\n  head: per_stage\ndata:\n  type: idx\n"
                 "loss:\n  weights: [1, 2, 3]\n", "r.yaml");
    FAIL("a 3-entry list for 9 blocks must be refused");
  } catch (const UserError& e) {
    CHECK(std::string(e.what()) == "r.yaml:8: loss.weights: has 3 entries but the resnet has 9 blocks");
  }
  CHECK(err("  stages: [1, 1]\n  widths: [4]\n  head: per_stage\n").find("needs one width per stage") != std::string::npos);
  CHECK(err("  head: per_stage\n  dropout: 0.1\n").find("model.dropout: ignored by model.type: resnet") != std::string::npos);
  try {
    parse_config("model:\n  type: resnet\n  head: per_stage\ndata:\n  type: idx\n  flatten: true\n", "r.yaml");
    FAIL("flatten with a resnet must be refused");
  } catch (const UserError& e) {
    CHECK(std::string(e.what()) == "r.yaml:6: data.flatten: a resnet reads images as [C, H, W]: set data.flatten: false");
  }
}

TEST_CASE("image configs: shipped files load with the recipes they promise") {
  const std::string root = lpa::test::source_dir() + "/configs/";
  for (const char* f : {"cifar10_resnet.yaml", "cifar100_resnet.yaml"}) {
    INFO(f);
    auto c = load_config(root + f);
    CHECK(c.model.type == "resnet");
    CHECK(resnet_layout(c.model).depth() == 27);
    CHECK(c.train.optimizer == "sgd");
    CHECK(c.train.lr == 0.1);
    CHECK(c.train.momentum == 0.9);
    CHECK(c.train.nesterov);
    CHECK(c.train.weight_decay == 5e-4);
    CHECK(c.train.schedule == "cosine");
    CHECK(c.train.epochs == 200);
    CHECK(c.train.steps == 0);
    CHECK(c.data.batch_size == 128);
    CHECK(c.data.augment);
  }
  auto lpa_cfg = load_config(root + "fashion_mnist_resnet.yaml");
  auto e2e_cfg = load_config(root + "fashion_mnist_resnet_e2e.yaml");
  CHECK(lpa_cfg.loss.kind == "lpa");
  CHECK(e2e_cfg.loss.kind == "e2e");
  // The pair differs only in the objective, the name (E2E reads no depth weights, no
  // final-exit emphasis, no distillation and no head normalisation), the learning rate, each objective's
  // best on validation, and LPA's exit adapters (E2E's one exit is better without:
  // docs/results_resnet_exit_width_quick.md); LPA's heads learn at the full rate
  // (docs/results_resnet_2ep.md).
  CHECK(lpa_cfg.train.lr == 0.2);
  CHECK(e2e_cfg.train.lr == 0.1);
  CHECK(lpa_cfg.loss.head_gradient == "normalised");
  CHECK(lpa_cfg.model.exit_width == 16);
  CHECK(e2e_cfg.model.exit_width == 0);
  CHECK(lpa_cfg.loss.distill_alpha == 0.5);  // docs/results_resnet_full_shallow.md
  e2e_cfg.model.exit_width = lpa_cfg.model.exit_width;
  e2e_cfg.loss.head_gradient = lpa_cfg.loss.head_gradient;
  e2e_cfg.train.lr = lpa_cfg.train.lr;
  e2e_cfg.loss.kind = "lpa";
  e2e_cfg.loss.weights = lpa_cfg.loss.weights;
  e2e_cfg.loss.final_weight = lpa_cfg.loss.final_weight;
  e2e_cfg.loss.distill_alpha = lpa_cfg.loss.distill_alpha;
  e2e_cfg.experiment = lpa_cfg.experiment;
  CHECK(config_to_yaml(e2e_cfg) == config_to_yaml(lpa_cfg));
  auto mlp = load_config(root + "fashion_mnist_mlp.yaml");
  CHECK(mlp.model.type == "residual_mlp");
  CHECK(mlp.data.flatten);
  CHECK(load_config(root + "bench/resnet20_cifar_step.yaml").model.preset == "resnet20");
}
