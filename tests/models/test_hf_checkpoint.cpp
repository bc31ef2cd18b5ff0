// Hugging Face checkpoints (models/hf_checkpoint.h, models/hf_tensor_names.h): tiny random
// GPT-2, Llama (grouped-query attention, sharded, bf16), Qwen2 (q/k/v biases, tied) and Mistral
// checkpoints written by tests/python/hf_reference.py, whose plain-PyTorch forward follows the
// architectures' public definitions; lpa's logits must equal its logits at every depth.
#include <filesystem>
#include <iostream>

#include "catch.h"
#include "lpa/config/pretrained_defaults.h"
#include "lpa/errors.h"
#include "lpa/export/safetensors.h"
#include "lpa/io/files.h"
#include "lpa/models/hf_checkpoint.h"
#include "lpa/models/hf_tensor_names.h"
#include "lpa/models/registry.h"
#include "test_support.h"

using namespace lpa;
namespace fs = std::filesystem;

namespace {

// Writes a checkpoint with hf_reference.py; returns the reference file (ids, logits.<k>).
std::string write_reference(const test::TempDir& tmp, const std::string& arch, const std::string& flags) {
  const std::string dir = tmp.file(arch), ref = tmp.file(arch + "_reference.safetensors");
  const auto r = test::run_shell(test::torch_python() + " " + test::source_dir() + "/tests/python/hf_reference.py write --arch " +
                                 arch + " " + flags + " --out " + dir + " --reference " + ref + " 2>&1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return ref;
}

ExperimentConfig config_for(const std::string& dir, int64_t depth = 0) {
  ExperimentConfig cfg;
  cfg.model.type = "transformer";
  cfg.model.pretrained = dir;
  cfg.data.type = "text";
  cfg.data.tokenizer = "bytes";
  cfg.key_lines["data.tokenizer"] = 0;
  if (depth > 0) {
    cfg.model.depth = depth;
    cfg.key_lines["model.depth"] = 0;
  }
  apply_pretrained_defaults(cfg);
  return cfg;
}

std::shared_ptr<Transformer> load(const std::string& dir, int64_t depth = 0) {
  const ExperimentConfig cfg = config_for(dir, depth);
  DataSpec spec;
  spec.task = Task::language_model;
  spec.input_shape = {12};
  spec.output_dim = read_hf_config(dir).arch.vocabulary;
  auto m = std::dynamic_pointer_cast<Transformer>(make_model(cfg, spec));
  REQUIRE(m);
  m->eval();
  return m;
}

torch::Tensor named(const SafetensorsFile& f, const std::string& name) {
  for (const auto& [n, t] : f.tensors)
    if (n == name) return t;
  FAIL("no tensor " << name);
  return {};
}

// Max |lpa - reference| over every depth's logits; every depth must be within 1e-4.
double check_every_depth(Transformer& m, const std::string& ref_file, const std::string& what) {
  const SafetensorsFile ref = read_safetensors(ref_file);
  const torch::Tensor ids = named(ref, "ids");
  double worst = 0;
  torch::NoGradGuard g;
  for (int64_t k = 1; k <= m.depth(); ++k) {
    const torch::Tensor expected = named(ref, "logits." + std::to_string(k));
    const torch::Tensor got = m.forward(ids, k);
    REQUIRE(got.sizes() == expected.sizes());
    const double diff = (got - expected).abs().max().item<double>();
    INFO(what << " depth " << k << ": max abs diff " << diff);
    CHECK(diff <= 1e-4);
    worst = std::max(worst, diff);
  }
  std::cout << what << ": logits at depths 1.." << m.depth() << " within " << worst << " of the PyTorch reference\n";
  return worst;
}

// hf_tensors at full depth gives back the file's tensors: names, dtypes and values.
void check_round_trip(Transformer& m, const std::string& dir) {
  const HfCheckpoint ck = read_hf_config(dir);
  const NamedTensors stored = read_hf_tensors(dir);
  const NamedTensors back = hf_tensors(m, ck.model_type, m.depth(), ck.dtype);
  std::map<std::string, torch::Tensor> by_name(stored.begin(), stored.end());
  for (const auto& [name, t] : back) {
    INFO(name);
    std::string key = name;
    if (!by_name.count(key) && key.rfind("transformer.", 0) == 0) key = key.substr(12);
    REQUIRE(by_name.count(key));
    CHECK(t.scalar_type() == by_name[key].scalar_type());
    CHECK(torch::equal(t, by_name[key]));
  }
}

}  // namespace

TEST_CASE("hf checkpoint: GPT-2 logits equal the PyTorch reference at every depth, and its tensors write back") {
  test::TempDir tmp("hf_gpt2");
  const std::string ref = write_reference(tmp, "gpt2", "--with-buffers");
  auto m = load(tmp.file("gpt2"));
  CHECK(m->depth() == 3);
  CHECK(m->arch().family == "gpt2");
  check_every_depth(*m, ref, "gpt2 (fp32, attn.bias buffers)");
  check_round_trip(*m, tmp.file("gpt2"));
}

TEST_CASE("hf checkpoint: GPT-2 saved without the transformer. prefix loads the same") {
  test::TempDir tmp("hf_gpt2_bare");
  const std::string ref = write_reference(tmp, "gpt2", "--no-prefix --dtype fp16");
  auto m = load(tmp.file("gpt2"));
  check_every_depth(*m, ref, "gpt2 (fp16, no prefix)");
}

TEST_CASE("hf checkpoint: Llama with grouped-query attention, sharded bf16, equals the reference at every depth") {
  test::TempDir tmp("hf_llama");
  const std::string ref = write_reference(tmp, "llama", "--dtype bf16 --shards 3");
  CHECK(fs::exists(tmp.file("llama/model.safetensors.index.json")));
  auto m = load(tmp.file("llama"));
  CHECK(m->depth() == 4);
  CHECK(m->arch().block.kv_heads == 2);
  CHECK(m->arch().block.heads == 4);
  CHECK(m->arch().block.rope_theta == 500000.0);
  check_every_depth(*m, ref, "llama (bf16, 3 shards, GQA 4/2)");
  check_round_trip(*m, tmp.file("llama"));
}

TEST_CASE("hf checkpoint: Qwen2 (q k v biases, tied head) and Mistral equal the reference at every depth") {
  test::TempDir tmp("hf_qwen2");
  const std::string qwen = write_reference(tmp, "qwen2", "");
  auto q = load(tmp.file("qwen2"));
  CHECK(q->arch().block.qkv_bias);
  CHECK_FALSE(q->arch().block.out_bias);
  CHECK(q->arch().tied);
  check_every_depth(*q, qwen, "qwen2 (bf16, biases, tied)");
  check_round_trip(*q, tmp.file("qwen2"));
  const std::string mistral = write_reference(tmp, "mistral", "--dtype fp32");
  auto mi = load(tmp.file("mistral"));
  check_every_depth(*mi, mistral, "mistral (fp32)");
}

TEST_CASE("hf checkpoint: model.depth keeps the first layers, and a KV-cached decode equals the full pass") {
  test::TempDir tmp("hf_truncated");
  const std::string ref = write_reference(tmp, "llama", "");
  auto m = load(tmp.file("llama"), 2);
  REQUIRE(m->depth() == 2);
  const SafetensorsFile r = read_safetensors(ref);
  torch::NoGradGuard g;
  const torch::Tensor ids = named(r, "ids");
  CHECK((m->forward(ids, 2) - named(r, "logits.2")).abs().max().item<double>() <= 1e-4);
  // Token by token through the cache: rotary offsets and grouped keys as in the full pass.
  KvCache cache;
  std::vector<torch::Tensor> steps;
  for (int64_t t = 0; t < ids.size(1); ++t) steps.push_back(m->decode(ids.narrow(1, t, 1), 2, cache));
  CHECK((torch::cat(steps, 1) - named(r, "logits.2")).abs().max().item<double>() <= 1e-4);
  CHECK_THROWS_WITH(config_for(tmp.file("llama"), 5), Catch::Contains("5 exceeds the 4 layers of"));
}

TEST_CASE("hf checkpoint: a missing tensor, a wrong shape, a missing shard or an unknown model_type names the file") {
  test::TempDir tmp("hf_bad");
  write_reference(tmp, "llama", "--dtype fp32 --shards 2");
  const std::string dir = tmp.file("llama");
  // Every shard moved into one file, one tensor left out.
  NamedTensors all = read_hf_tensors(dir);
  const std::string dropped = "model.layers.1.mlp.up_proj.weight";
  NamedTensors kept;
  for (auto& [n, t] : all)
    if (n != dropped) kept.emplace_back(n, t);
  const std::string one = tmp.file("one");
  fs::create_directories(one);
  fs::copy_file(dir + "/config.json", one + "/config.json");
  write_safetensors(one + "/model.safetensors", kept);
  CHECK_THROWS_WITH(load(one), Catch::Contains(one) && Catch::Contains("'" + dropped + "' missing"));

  NamedTensors wrong = all;
  for (auto& [n, t] : wrong)
    if (n == "model.layers.0.self_attn.k_proj.weight") t = torch::zeros({t.size(0) + 1, t.size(1)});
  write_safetensors(one + "/model.safetensors", wrong);
  CHECK_THROWS_WITH(load(one), Catch::Contains("'model.layers.0.self_attn.k_proj.weight' has shape [25, 48], expected [24, 48]"));

  fs::remove(dir + "/model-00002-of-00002.safetensors");
  CHECK_THROWS_WITH(read_hf_tensors(dir), Catch::Contains("model-00002-of-00002.safetensors, which is not in"));

  std::string config = read_file(one + "/config.json");
  const size_t at = config.find("\"llama\"");
  REQUIRE(at != std::string::npos);
  config.replace(at, 7, "\"bert\"");
  write_file_atomic(one + "/config.json", config);
  CHECK_THROWS_WITH(read_hf_config(one), Catch::Contains("config.json: model_type: 'bert' is not supported"));
}

TEST_CASE("hf checkpoint: Llama 3's rope_scaling (llama3 and linear) equals the reference") {
  test::TempDir tmp("hf_rope");
  const std::string llama3 = write_reference(
      tmp, "llama",
      "--dtype fp32 --rope-scaling '{\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
      "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 16}'");
  auto m = load(tmp.file("llama"));
  CHECK(m->arch().block.rope_scaling.type == "llama3");
  check_every_depth(*m, llama3, "llama (rope_scaling llama3)");
  test::TempDir tmp2("hf_rope_linear");
  const std::string linear = write_reference(tmp2, "llama", "--dtype fp32 --rope-scaling '{\"type\": \"linear\", \"factor\": 4.0}'");
  check_every_depth(*load(tmp2.file("llama")), linear, "llama (rope_scaling linear)");
  std::string config = read_file(tmp2.file("llama/config.json"));
  config.replace(config.find("\"linear\""), 8, "\"yarn\"");
  write_file_atomic(tmp2.file("llama/config.json"), config);
  CHECK_THROWS_WITH(read_hf_config(tmp2.file("llama")), Catch::Contains("rope_scaling: type 'yarn' is not supported"));
}

TEST_CASE("hf checkpoint: a classifier on a pretrained body masks padding and needs no [CLS] token") {
  test::TempDir tmp("hf_classifier");
  write_reference(tmp, "llama", "--dtype fp32");
  ExperimentConfig cfg = config_for(tmp.file("llama"));
  cfg.data.type = "text_classification";
  cfg.model.pool = "mean";
  DataSpec spec;
  spec.task = Task::classification;
  spec.input_shape = {10};
  spec.output_dim = 3;
  torch::manual_seed(1);
  auto m = std::dynamic_pointer_cast<Transformer>(make_model(cfg, spec));
  REQUIRE(m);
  m->eval();
  torch::NoGradGuard g;
  // A document of 6 ids, alone and padded to 10 beside a longer one: the same logits.
  const torch::Tensor doc = torch::tensor({5, 17, 99, 3, 42, 8}, torch::kLong).view({1, 6});
  torch::Tensor batch = torch::full({2, 10}, int64_t{-1}, torch::kLong);  // kTokenizedPad
  batch[0].narrow(0, 0, 6).copy_(doc[0]);
  batch[1].copy_(torch::randint(100, {10}, torch::kLong));
  for (int64_t k = 1; k <= m->depth(); ++k) {
    const torch::Tensor alone = m->forward(doc, k), padded = m->forward(batch, k);
    REQUIRE(alone.sizes() == torch::IntArrayRef({1, 3}));
    CHECK((alone[0] - padded[0]).abs().max().item<double>() <= 1e-5);
  }
  // The body is the checkpoint's (every block loaded), the head new: the vocabulary's 101 ids
  // embed, and an all-padding document still gives finite logits.
  CHECK(m->token_embedding().size(0) == 101);
  const torch::Tensor empty = m->forward(torch::full({1, 4}, int64_t{-1}, torch::kLong), m->depth());
  CHECK(torch::isfinite(empty).all().item<bool>());
}
