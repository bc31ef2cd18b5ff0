// Sampling rules and generation with the KV cache against full recomputation.
#include <set>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/data/text_dataset.h"
#include "lpa/errors.h"
#include "lpa/generate/generator.h"
#include "lpa/models/registry.h"

using namespace lpa;

namespace {

std::shared_ptr<Transformer> tiny_lm(const std::string& positions, int64_t seq_len = 64) {
  auto cfg = parse_config("model:\n  type: transformer\n  depth: 3\n  width: 16\n  heads: 2\n  positions: " +
                              positions + "\ndata:\n  type: text\n  seq_len: " + std::to_string(seq_len) + "\n",
                          "t.yaml");
  torch::manual_seed(11);
  auto m = std::dynamic_pointer_cast<Transformer>(make_model(cfg, text_lm_spec(cfg)));
  // Random init gives nearly uniform bytes; sharpen the head so greedy and sampled text differ.
  torch::NoGradGuard g;
  for (auto& p : m->parameters()) p.mul_(8.0);
  return m;
}

}  // namespace

TEST_CASE("sampling: greedy, top-k, top-p, seeded") {
  auto logits = torch::tensor({{0.0f, 3.0f, 1.0f, 2.9f, -1.0f}});
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  CHECK(sample_next(logits, {0.0, 0, 1.0}, gen).item<int64_t>() == 1);
  CHECK(sample_next(logits, {5.0, 1, 1.0}, gen).item<int64_t>() == 1);   // top-1 is greedy
  CHECK(sample_next(logits, {5.0, 0, 0.01}, gen).item<int64_t>() == 1);  // tiny nucleus too
  std::set<int64_t> seen_k2, seen_p;
  for (int i = 0; i < 300; ++i) {
    seen_k2.insert(sample_next(logits, {3.0, 2, 1.0}, gen).item<int64_t>());
    // p(1) = .47, p(3) = .42 at T = 1: top-p 0.8 keeps exactly these two.
    seen_p.insert(sample_next(logits, {1.0, 0, 0.8}, gen).item<int64_t>());
  }
  CHECK(seen_k2 == std::set<int64_t>{1, 3});
  CHECK(seen_p == std::set<int64_t>{1, 3});
  auto a = at::make_generator<at::CPUGeneratorImpl>(5), b = at::make_generator<at::CPUGeneratorImpl>(5);
  auto big = torch::randn({1, 256});
  for (int i = 0; i < 20; ++i)
    CHECK(sample_next(big, {1.0, 0, 1.0}, a).item<int64_t>() == sample_next(big, {1.0, 0, 1.0}, b).item<int64_t>());
  CHECK_THROWS_AS(sample_next(logits, {1.0, 0, 0.0}, gen), UserError);
  CHECK_THROWS_AS(sample_next(logits, {-1.0, 0, 1.0}, gen), UserError);
}

TEST_CASE("generate: the KV cache gives the same text as full recomputation") {
  for (std::string pos : {"learned", "rotary"}) {
    auto m = tiny_lm(pos);
    for (double temperature : {0.0, 1.0}) {
      for (int64_t depth : {1, 3}) {
        GenerationOptions o;
        o.depth = depth;
        o.max_tokens = 40;  // prompt + output stay inside the 64-byte window
        o.sampling.temperature = temperature;
        o.seed = 9;
        auto cached = generate(*m, "The Congress", o, torch::kCPU);
        o.use_cache = false;
        auto full = generate(*m, "The Congress", o, torch::kCPU);
        INFO(pos << " T=" << temperature << " depth " << depth);
        CHECK(cached.tokens == 40);
        CHECK(cached.text == full.text);
        CHECK(cached.refills == 0);
      }
    }
  }
}

TEST_CASE("generate: depths differ, seeds repeat, stop strings cut, long outputs slide the window") {
  auto m = tiny_lm("learned", 16);
  GenerationOptions o;
  o.max_tokens = 50;
  o.seed = 4;
  auto full = generate(*m, "ab", o, torch::kCPU);
  CHECK(full.text.size() == 50);
  CHECK(full.refills > 0);  // 2 + 50 bytes through a 16-byte window
  CHECK(generate(*m, "ab", o, torch::kCPU).text == full.text);
  o.depth = 1;
  CHECK(generate(*m, "ab", o, torch::kCPU).text != full.text);
  o.depth = 0;
  const std::string stop = full.text.substr(20, 2);
  o.stop = stop;
  auto cut = generate(*m, "ab", o, torch::kCPU);
  CHECK(cut.stopped);
  CHECK(cut.text == full.text.substr(0, full.text.find(stop)));
  o.depth = 4;
  CHECK_THROWS_WITH(generate(*m, "ab", o, torch::kCPU), "depth 4 is out of range 1..3");
  o.depth = 1;
  CHECK_THROWS_WITH(generate(*m, "", o, torch::kCPU), "--prompt must not be empty");
}
