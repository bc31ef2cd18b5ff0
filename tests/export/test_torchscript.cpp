// The TorchScript export of each family against the model it came from (C++ side; the Python
// side is tests/python/test_export_interop.py).
#include <torch/script.h>

#include <set>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "lpa/eval/early_exit.h"
#include "lpa/export/torchscript.h"
#include "lpa/models/registry.h"
#include "test_support.h"

using namespace lpa;

namespace {

// A model with the config and data spec it was built from (what an exporter sees).
struct Built {
  ExperimentConfig cfg;
  DataSpec spec;
  ModelPtr model;
  ExportSource source() { return ExportSource{*model, cfg, spec}; }
  DepthwiseModel* operator->() { return model.get(); }
};

Built mlp(const std::string& model_yaml, std::vector<int64_t> input_shape = {3}) {
  Built b;
  b.cfg = parse_config("model:\n" + model_yaml, "t.yaml");
  b.spec.input_shape = input_shape;
  b.spec.output_dim = 4;
  torch::manual_seed(3);
  b.model = make_model(b.cfg, b.spec);
  b.model->eval();
  return b;
}

int64_t numel_of(const std::vector<torch::Tensor>& ts) {
  int64_t n = 0;
  for (const auto& t : ts) n += t.numel();
  return n;
}

}  // namespace

TEST_CASE("torchscript export: residual_mlp variants match the model at the exported depth") {
  const std::vector<std::string> variants = {
      "  depth: 4\n  width: 8\n",
      "  depth: 4\n  width: 8\n  head: per_depth\n  activation: gelu\n",
      "  depth: 3\n  width: 8\n  norm: layernorm\n  activation: tanh\n  dropout: 0.3\n",
      "  depth: 3\n  width: 8\n  activation: silu\n  head: per_depth\n  norm: layernorm\n",
      "  depth: 4\n  width: 8\n  exit_width: 5\n",
      "  depth: 3\n  width: 8\n  head: per_depth\n  exit_width: 3\n  activation: gelu\n"};
  for (const auto& v : variants) {
    auto m = mlp(v, {1, 2, 2});  // 4 features, flattened by the stem
    auto x = torch::randn({5, 1, 2, 2});
    for (int64_t k = 1; k <= m->depth(); ++k) {
      INFO(v << "depth " << k);
      torch::jit::Module s = build_truncated_script(m.source(), k);
      torch::NoGradGuard g;
      auto want = m->forward(x, k);
      auto got = s.forward({x}).toTensor();
      REQUIRE(got.sizes() == want.sizes());
      CHECK((got - want).abs().max().item<double>() <= 1e-6);
      // Only the stem, blocks 1..k and the head used at k.
      std::vector<torch::Tensor> params;
      for (const auto& p : s.parameters()) params.push_back(p);
      CHECK(numel_of(params) == m->params_at_depth(k));
      CHECK_FALSE(s.is_training());
    }
  }
}

TEST_CASE("torchscript export: saved file loads with torch::jit::load and keeps extra files") {
  test::TempDir dir("ts");
  auto m = mlp("  depth: 5\n  width: 8\n  head: per_depth\n");
  const std::string path = dir.file("m.pt");
  auto script = build_truncated_script(m.source(), 2);
  save_script(script, path, {{"lpa/export.yaml", "format: lpa-export\n"}});
  torch::jit::ExtraFilesMap extra{{"lpa/export.yaml", ""}};
  torch::jit::Module loaded = torch::jit::load(path, torch::kCPU, extra);
  CHECK(extra["lpa/export.yaml"] == "format: lpa-export\n");
  auto x = torch::randn({7, 3});
  torch::NoGradGuard g;
  CHECK((loaded.forward({x}).toTensor() - m->forward(x, 2)).abs().max().item<double>() <= 1e-6);
  // Names in the module are the documented ones; the depth-2 head is the only head.
  std::set<std::string> names;
  for (const auto& p : loaded.named_parameters()) names.insert(p.name);
  CHECK(names == std::set<std::string>{"stem.weight", "stem.bias", "block1.fc1.weight", "block1.fc1.bias",
                                        "block1.fc2.weight", "block1.fc2.bias", "block2.fc1.weight",
                                        "block2.fc1.bias", "block2.fc2.weight", "block2.fc2.bias",
                                        "head.weight", "head.bias"});
  // The depth-2 head is head2 of the model.
  auto head2 = m->head_module(2).named_parameters()["weight"];
  for (const auto& p : loaded.named_parameters())
    if (p.name == "head.weight") CHECK(torch::equal(p.value, head2));
}

TEST_CASE("torchscript export: truncated_tensors names and shares the model's own tensors") {
  auto m = mlp("  depth: 4\n  width: 8\n  norm: layernorm\n");
  auto t = truncated_tensors(m.source(), 3);
  std::set<std::string> names;
  int64_t n = 0;
  for (const auto& [name, tensor] : t) {
    names.insert(name);
    n += tensor.numel();
  }
  CHECK(names.count("block3.norm.weight") == 1);
  CHECK(names.count("block4.fc1.weight") == 0);
  CHECK(n == m->params_at_depth(3));
  // Writing into them writes into the model (what loading a safetensors export relies on).
  torch::NoGradGuard g;
  for (auto& [name, tensor] : t)
    if (name == "head.bias") tensor.fill_(42.0);
  CHECK(m->head_module(3).named_parameters()["bias"].eq(42.0).all().item<bool>());
  CHECK_THROWS_AS(truncated_tensors(m.source(), 0), UserError);
  CHECK_THROWS_AS(build_truncated_script(m.source(), 5), UserError);
}

namespace {

Built from_yaml(const std::string& yaml, DataSpec spec) {
  Built b;
  b.cfg = parse_config(yaml, "t.yaml");
  b.spec = std::move(spec);
  torch::manual_seed(4);
  b.model = make_model(b.cfg, b.spec);
  return b;
}

// The exported module at every depth against the model's own forward; trained-looking batch
// norm statistics so that eval mode (running statistics) is what is compared.
void check_every_depth(Built& m, const torch::Tensor& x, double tol) {
  {
    torch::NoGradGuard g;
    m.model->train();
    for (int i = 0; i < 3; ++i) m.model->forward_all(x, m->depth());  // moves BN running stats
  }
  m.model->eval();
  for (int64_t k = 1; k <= m->depth(); ++k) {
    INFO("depth " << k);
    torch::jit::Module s = build_truncated_script(m.source(), k);
    torch::NoGradGuard g;
    auto want = m->forward(x, k);
    auto got = s.forward({x}).toTensor();
    REQUIRE(got.sizes() == want.sizes());
    CHECK((got - want).abs().max().item<double>() <= tol);
    std::vector<torch::Tensor> params;
    for (const auto& p : s.parameters()) params.push_back(p);
    CHECK(numel_of(params) == m->params_at_depth(k));
    // Same tensors, same names as the safetensors export.
    int64_t n = 0;
    for (const auto& [name, t] : truncated_tensors(m.source(), k)) n += t.numel();
    int64_t in_script = 0;
    for (const auto& t : s.named_parameters()) in_script += t.value.numel();
    for (const auto& t : s.named_buffers()) in_script += t.value.numel();
    CHECK(n == in_script);
  }
}

}  // namespace

TEST_CASE("torchscript export: resnet variants match the model at every depth") {
  DataSpec spec;
  spec.task = Task::classification;
  spec.input_shape = {1, 8, 8};
  spec.output_dim = 5;
  const std::vector<std::string> variants = {
      "  stages: [2, 2]\n  widths: [4, 8]\n  head: per_stage\n",
      "  stages: [2, 1]\n  widths: [4, 8]\n  head: per_depth\n  activation: gelu\n",
      "  stages: [2, 2]\n  widths: [4, 8]\n  head: per_stage\n  preact: true\n",
      "  stages: [1, 2]\n  widths: [6, 6]\n  isotropic: true\n  head: shared\n  preact: true\n",
      "  stages: [2, 2]\n  widths: [4, 8]\n  head: per_stage\n  exit_width: 5\n",
      "  stages: [2, 1]\n  widths: [4, 8]\n  head: per_stage\n  preact: true\n  exit_width: 3\n"};
  for (const auto& v : variants) {
    INFO(v);
    auto m = from_yaml("model:\n  type: resnet\n" + v + "data:\n  type: idx\n", spec);
    check_every_depth(m, torch::randn({3, 1, 8, 8}), 1e-5);
  }
}

TEST_CASE("torchscript export: transformer language models and classifiers match the model") {
  const std::string base = "model:\n  type: transformer\n  depth: 3\n  width: 16\n  heads: 2\n";
  DataSpec lm_spec;
  lm_spec.task = Task::language_model;
  lm_spec.input_shape = {10};
  lm_spec.output_dim = 256;
  auto tokens = torch::randint(256, {2, 10}, torch::kLong);
  for (std::string extra : {"  positions: learned\n", "  positions: rotary\n  tie_weights: false\n  head: per_depth\n"}) {
    INFO(extra);
    auto m = from_yaml(base + extra + "data:\n  type: text\n  seq_len: 10\n", lm_spec);
    check_every_depth(m, tokens, 1e-5);
  }
  DataSpec cls_spec;
  cls_spec.task = Task::classification;
  cls_spec.input_shape = {10};
  cls_spec.output_dim = 3;
  // Padded documents (256 = padding) of different lengths; the batch shares 2 padding columns.
  auto docs = torch::randint(256, {3, 10}, torch::kLong);
  docs.index_put_({0, torch::indexing::Slice(6)}, 256);
  docs.index_put_({1, torch::indexing::Slice(8)}, 256);
  docs.index_put_({2, torch::indexing::Slice(7)}, 256);
  for (std::string extra : {"  causal: false\n  pool: mean\n", "  causal: true\n  pool: cls\n  positions: rotary\n",
                            "  causal: false\n  pool: cls\n  head: per_depth\n"}) {
    INFO(extra);
    auto m = from_yaml(base + extra + "data:\n  type: text_classification\n  seq_len: 10\n", cls_spec);
    check_every_depth(m, docs, 1e-5);
  }
}

namespace {

// The exported module's forward_early_exit against lpa's own early_exit_forward at depth k.
void check_early_exit_export(Built& m, const torch::Tensor& x, int64_t k, ExitCriterion c) {
  m.model->eval();
  torch::NoGradGuard g;
  // The median over samples of their surest shallow exit: about half stop early.
  std::vector<torch::Tensor> s;
  auto outs = m->forward_all(x, k);
  for (int64_t l = 0; l + 1 < k; ++l) s.push_back(sureness(outs[l], c));
  const double med = std::get<0>(torch::stack(s, 1).max(1)).median().item<double>();
  const ExitRule rule{c, c == ExitCriterion::confidence ? med : -med};
  const ExportedExitRule stored{to_string(c), rule.threshold, "test", 0, 0};
  torch::jit::Module script = build_truncated_script(m.source(), k, &stored);
  const ExitPredictions want = early_exit_forward(*m.model, x, k, rule);
  auto got = script.get_method("forward_early_exit")({x}).toTuple()->elements();
  CHECK(want.exit_depth.lt(k).any().item<bool>());
  CHECK(want.exit_depth.eq(k).any().item<bool>());
  CHECK(torch::equal(got.at(2).toTensor(), want.exit_depth));
  CHECK(torch::equal(got.at(0).toTensor(), want.prediction));
  CHECK(torch::allclose(got.at(1).toTensor(), want.sureness, 1e-5, 1e-6));
  // Plain forward is still the depth-k model.
  CHECK(torch::allclose(script.forward({x}).toTensor(), m->forward(x, k), 1e-5, 1e-5));
  // Every exit travels: exit<l> for l < k next to head, in the module and in the tensor list.
  std::set<std::string> parts;
  for (const auto& [name, t] : truncated_tensors(m.source(), k, true)) parts.insert(name.substr(0, name.find('.')));
  for (int64_t l = 1; l < k; ++l) CHECK(parts.count("exit" + std::to_string(l)) == 1);
  CHECK(parts.count("exit" + std::to_string(k)) == 0);
  int64_t in_script = 0, listed = 0;
  for (const auto& t : script.named_parameters()) in_script += t.value.numel();
  for (const auto& t : script.named_buffers()) in_script += t.value.numel();
  for (const auto& [name, t] : truncated_tensors(m.source(), k, true)) listed += t.numel();
  CHECK(in_script == listed);
}

}  // namespace

TEST_CASE("torchscript export with early exit: forward_early_exit is lpa's real early exit") {
  DataSpec image;
  image.task = Task::classification;
  image.input_shape = {1, 8, 8};
  image.output_dim = 5;
  const torch::Tensor images = torch::randn({60, 1, 8, 8});
  for (const std::string v : {"  stages: [2, 2]\n  widths: [4, 8]\n  head: per_stage\n  preact: true\n",
                              "  stages: [2, 1]\n  widths: [4, 8]\n  head: per_depth\n"}) {
    INFO(v);
    auto m = from_yaml("model:\n  type: resnet\n" + v + "data:\n  type: idx\n", image);
    {
      torch::NoGradGuard g;
      m.model->train();
      for (int i = 0; i < 3; ++i) m.model->forward_all(images, m->depth());
      for (auto& p : m.model->parameters()) p.mul_(1.5);
    }
    check_early_exit_export(m, images, m->depth(), ExitCriterion::confidence);
    check_early_exit_export(m, images, 2, ExitCriterion::entropy);
  }
  for (const std::string v : {"  depth: 4\n  width: 8\n  head: per_depth\n", "  depth: 4\n  width: 8\n  exit_width: 6\n"}) {
    INFO(v);
    auto mlp_model = mlp(v, {3});
    mlp_model.spec.task = Task::classification;
    {
      torch::NoGradGuard g;
      for (auto& p : mlp_model.model->parameters()) p.mul_(3.0);
    }
    check_early_exit_export(mlp_model, torch::randn({80, 3}), 4, ExitCriterion::confidence);
  }

  DataSpec text;
  text.task = Task::classification;
  text.input_shape = {10};
  text.output_dim = 3;
  auto t = from_yaml("model:\n  type: transformer\n  depth: 3\n  width: 16\n  heads: 2\n  causal: false\n"
                     "data:\n  type: text_classification\n  seq_len: 10\n",
                     text);
  {
    torch::NoGradGuard g;
    for (auto& p : t.model->parameters()) p.mul_(2.0);
  }
  torch::Tensor tokens = torch::randint(0, 256, {50, 10}, torch::kLong);
  for (int64_t i = 0; i < 50; ++i) tokens[i].narrow(0, 1 + i % 9, 9 - i % 9).fill_(256);  // padding differs per row
  check_early_exit_export(t, tokens, 3, ExitCriterion::confidence);
}
