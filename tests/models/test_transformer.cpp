// The Transformer as a depthwise model: shapes per depth, causal masking, padding, KV cache.
#include <cmath>
#include <limits>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/data/text_classification_dataset.h"
#include "lpa/data/text_dataset.h"
#include "lpa/errors.h"
#include "lpa/models/registry.h"
#include "lpa/models/transformer.h"

using namespace lpa;

namespace {

ExperimentConfig cfg_of(const std::string& model_keys, const std::string& data_type = "text") {
  return parse_config("model:\n  type: transformer\n  depth: 3\n  width: 16\n  heads: 2\n" + model_keys +
                          "data:\n  type: " + data_type + "\n  seq_len: 12\n",
                      "t.yaml");
}

std::shared_ptr<Transformer> lm(const std::string& positions = "learned", const std::string& extra = "") {
  auto cfg = cfg_of("  positions: " + positions + "\n" + extra);
  torch::manual_seed(7);
  auto m = std::dynamic_pointer_cast<Transformer>(make_model(cfg, text_lm_spec(cfg)));
  m->eval();
  return m;
}

std::shared_ptr<Transformer> classifier(const std::string& pool = "mean", bool causal = false) {
  auto cfg = cfg_of(std::string("  causal: ") + (causal ? "true" : "false") + "\n  pool: " + pool + "\n",
                    "text_classification");
  DataSpec spec;
  spec.task = Task::classification;
  spec.input_shape = {12};
  spec.output_dim = 3;
  torch::manual_seed(7);
  auto m = std::dynamic_pointer_cast<Transformer>(make_model(cfg, spec));
  m->eval();
  return m;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

TEST_CASE("transformer: shapes at every depth - forward_all agrees with forward(x, l)") {
  torch::NoGradGuard g;
  for (std::string pos : {"learned", "rotary"}) {
    auto m = lm(pos);
    auto x = torch::randint(256, {4, 12}, torch::kLong);
    auto outs = m->forward_all(x, 3);
    REQUIRE(outs.size() == 3);
    for (int64_t l = 1; l <= 3; ++l) {
      INFO(pos << " depth " << l);
      CHECK(outs[l - 1].sizes() == torch::IntArrayRef({4, 12, 256}));
      CHECK(max_diff(outs[l - 1], m->forward(x, l)) < 1e-5);
    }
    CHECK(m->params_at_depth(1) < m->params_at_depth(3));
    CHECK(m->flops_per_sample(1) < m->flops_per_sample(3));
  }
  auto c = classifier();
  auto x = torch::randint(256, {5, 12}, torch::kLong);
  for (auto& o : c->forward_all(x, 3)) CHECK(o.sizes() == torch::IntArrayRef({5, 3}));
}

TEST_CASE("transformer: weight tying shares the embedding - untied adds a head matrix") {
  auto tied = lm("learned"), untied = lm("learned", "  tie_weights: false\n");
  CHECK(untied->params_at_depth(3) - tied->params_at_depth(3) == 256 * 16);
  auto per = lm("learned", "  head: per_depth\n");
  CHECK(per->params_at_depth(2) == tied->params_at_depth(2));  // one LayerNorm per exit counted
}

TEST_CASE("transformer: causal masking, a token's output ignores later tokens") {
  torch::NoGradGuard g;
  for (std::string pos : {"learned", "rotary"}) {
    auto m = lm(pos);
    auto x = torch::randint(256, {2, 12}, torch::kLong);
    auto changed = x.clone();
    changed.narrow(1, 7, 5).random_(0, 256);  // positions 7..11
    changed.select(1, 7).add_(1).remainder_(256);  // certainly different at 7
    auto a = m->forward_all(x, 3), b = m->forward_all(changed, 3);
    for (int64_t l = 1; l <= 3; ++l) {
      INFO(pos << " depth " << l);
      CHECK(max_diff(a[l - 1].narrow(1, 0, 7), b[l - 1].narrow(1, 0, 7)) < 1e-6);
      CHECK(max_diff(a[l - 1].narrow(1, 7, 5), b[l - 1].narrow(1, 7, 5)) > 1e-4);
    }
  }
  // The classifier is bidirectional: the [CLS] summary sees the last byte.
  auto c = classifier("cls");
  auto x = torch::randint(256, {1, 12}, torch::kLong), y = x.clone();
  y[0][11] = (x[0][11].item<int64_t>() + 1) % 256;
  CHECK(max_diff(c->forward(x, 3), c->forward(y, 3)) > 1e-5);
  auto causal = classifier("cls", true);  // causal [CLS] sees nothing after itself
  CHECK(max_diff(causal->forward(x, 3), causal->forward(y, 3)) < 1e-6);
}

TEST_CASE("transformer: classifier ignores padding - empty documents are fine") {
  torch::NoGradGuard g;
  for (std::string pool : {"mean", "cls"}) {
    auto c = classifier(pool);
    auto doc = torch::full({1, 12}, kPadToken, torch::kLong);
    doc.narrow(1, 0, 5).copy_(torch::tensor({{72, 101, 108, 108, 111}}));
    auto longer = torch::randint(256, {1, 12}, torch::kLong);
    auto alone = c->forward(doc, 2);
    auto batched = c->forward(torch::cat({doc, longer}), 2).narrow(0, 0, 1);
    INFO(pool);
    CHECK(max_diff(alone, batched) < 1e-5);
    auto empty = torch::full({2, 12}, kPadToken, torch::kLong);
    CHECK(torch::isfinite(c->forward(empty, 3)).all().item<bool>());
  }
}

TEST_CASE("transformer: KV-cache decoding equals full recomputation") {
  torch::NoGradGuard g;
  for (std::string pos : {"learned", "rotary"}) {
    auto m = lm(pos);
    auto x = torch::randint(256, {2, 12}, torch::kLong);
    for (int64_t depth : {1, 3}) {
      INFO(pos << " depth " << depth);
      auto full = m->forward(x, depth);
      KvCache one;
      std::vector<torch::Tensor> steps;
      for (int64_t t = 0; t < 12; ++t) steps.push_back(m->decode(x.narrow(1, t, 1), depth, one));
      CHECK(one.length == 12);
      CHECK(max_diff(torch::cat(steps, 1), full) < 1e-4);
      // A prefix in one go, then chunks: same logits.
      KvCache chunks;
      auto p = m->decode(x.narrow(1, 0, 5), depth, chunks);
      auto q = m->decode(x.narrow(1, 5, 3), depth, chunks);
      auto r = m->decode(x.narrow(1, 8, 4), depth, chunks);
      CHECK(max_diff(torch::cat({p, q, r}, 1), full) < 1e-4);
    }
  }
}

TEST_CASE("transformer: rotary scores depend on relative position only") {
  auto q = torch::randn({1, 1, 1, 8}), k = torch::randn({1, 1, 1, 8});
  auto at = [](const torch::Tensor& x, int64_t position) {
    return apply_rotary(x, rotary_angles(1, position, 8, torch::kCPU));
  };
  auto dot = [&](int64_t m, int64_t n) { return (at(q, m) * at(k, n)).sum().item<double>(); };
  CHECK(dot(3, 1) == Approx(dot(9, 7)).epsilon(1e-4));
  CHECK(dot(3, 1) != Approx(dot(3, 2)).epsilon(1e-4));
  CHECK(at(q, 5).norm().item<double>() == Approx(q.norm().item<double>()).epsilon(1e-5));
}

TEST_CASE("transformer: layer dropout skips blocks in training only") {
  torch::NoGradGuard g;
  auto m = lm("learned");
  auto x = torch::randint(256, {2, 12}, torch::kLong);
  ForwardOptions o;
  o.layer_drop = 0.9;
  auto reference = m->forward_all(x, 3);
  auto eval_out = m->forward_all(x, 3, o);  // eval mode: no dropping
  CHECK(max_diff(eval_out[2], reference[2]) < 1e-6);
  m->train();  // model.dropout is 0, so only layer dropout can change the output
  torch::manual_seed(1);
  int differs = 0;
  bool all_skipped_seen = false;
  auto stem_only = m->head(3, m->stem(x));
  for (int i = 0; i < 30; ++i) {
    auto out = m->forward_all(x, 3, o)[2];
    differs += max_diff(out, reference[2]) > 1e-5;
    all_skipped_seen |= max_diff(out, stem_only) < 1e-6;
  }
  CHECK(differs > 0);
  CHECK(all_skipped_seen);
}

TEST_CASE("transformer: a language model must be causal") {
  CHECK_THROWS_WITH(cfg_of("  causal: false\n"),
                    "t.yaml:6: model.causal: a language model (data.type: text) needs causal attention");
}

// SelfAttentionImpl::attention is LibTorch 2.x's scaled_dot_product_attention where it exists,
// the written-out form on 1.13: either must equal softmax(q k^T / sqrt(d), masked) v computed
// here in float64, with a causal mask, a padding mask and grouped-query shapes.
TEST_CASE("transformer: attention equals softmax(q k^T / sqrt(d), masked) v, on every LibTorch") {
  BlockArch a = lpa_block_arch(32, 4, 2.0, 0.0, false);
  SelfAttention attn(a);
  attn->eval();
  torch::manual_seed(2);
  const int64_t b = 2, h = 4, t = 5, d = 8;
  const torch::Tensor q = torch::randn({b, h, t, d}), k = torch::randn({b, h, t, d}), v = torch::randn({b, h, t, d});
  torch::Tensor keep = torch::ones({b, t}, torch::kBool);
  keep[1][4] = false;
  keep[1][3] = false;
  const torch::Tensor causal = torch::ones({t, t}, torch::kBool).tril();
  const torch::Tensor allowed = keep.view({b, 1, 1, t}).logical_and(causal);
  for (const torch::Tensor& mask : {torch::Tensor(), causal, allowed}) {
    torch::Tensor s = torch::matmul(q.to(torch::kDouble), k.to(torch::kDouble).transpose(2, 3)) / std::sqrt(8.0);
    if (mask.defined()) s = s.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
    const torch::Tensor expected = torch::matmul(torch::softmax(s, -1), v.to(torch::kDouble));
    const torch::Tensor got = attn->attention(q, k, v, mask);
    CHECK((got.to(torch::kDouble) - expected).abs().max().item<double>() <= 1e-5);
  }
}
