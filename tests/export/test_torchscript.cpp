// The TorchScript export of each family against the model it came from (C++ side; the Python
// side is tests/python/test_export_interop.py).
#include <torch/script.h>

#include <set>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
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
      "  depth: 3\n  width: 8\n  activation: silu\n  head: per_depth\n  norm: layernorm\n"};
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
