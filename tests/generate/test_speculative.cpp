// Self-speculative decoding against the full model it must reproduce: greedy text identical
// to full-depth greedy decoding over many prompts (window refills included), and with
// sampling the first token distributed as the full model's, not as the draft's.
#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/data/text_dataset.h"
#include "lpa/errors.h"
#include "lpa/generate/speculative.h"
#include "lpa/models/registry.h"

using namespace lpa;

namespace {

std::shared_ptr<Transformer> tiny_lm(const std::string& positions, int64_t seq_len, double sharpen) {
  auto cfg = parse_config("model:\n  type: transformer\n  depth: 4\n  width: 16\n  heads: 2\n  positions: " +
                              positions + "\ndata:\n  type: text\n  seq_len: " + std::to_string(seq_len) + "\n",
                          "t.yaml");
  torch::manual_seed(21);
  auto m = std::dynamic_pointer_cast<Transformer>(make_model(cfg, text_lm_spec(cfg)));
  // Random init gives nearly uniform bytes; sharpened weights make the depths disagree often
  // and agree sometimes, so drafts are both accepted and rejected.
  torch::NoGradGuard g;
  for (auto& p : m->parameters()) p.mul_(sharpen);
  return m;
}

double total_variation(const torch::Tensor& a, const torch::Tensor& b) { return 0.5 * (a - b).abs().sum().item<double>(); }

}  // namespace

TEST_CASE("speculative decoding: greedy output is full-depth greedy output, byte for byte") {
  for (const std::string positions : {"learned", "rotary"}) {
    auto m = tiny_lm(positions, 24, 4.0);
    GenerationOptions g;
    g.sampling.temperature = 0;
    g.max_tokens = 40;  // longer than the window: refills happen
    int64_t drafted = 0, accepted = 0, compared = 0, refills = 0;
    for (int i = 0; i < 12; ++i) {
      std::string prompt;
      for (int k = 0; k <= (i * 5) % 23; ++k) prompt += static_cast<char>('a' + (i * 3 + k * 7) % 26);
      const GenerationResult want = generate(*m, prompt, g, torch::kCPU);
      for (int64_t e : {1, 2, 3}) {
        for (int64_t d : {1, 3, 6}) {
          INFO(positions << " prompt '" << prompt << "' E=" << e << " d=" << d);
          const GenerationResult got = generate_speculative(*m, prompt, g, {e, d}, torch::kCPU);
          CHECK(got.text == want.text);
          CHECK(got.tokens == want.tokens);
          CHECK(got.accepted <= got.drafted);
          drafted += got.drafted;
          accepted += got.accepted;
          refills += got.refills;
          ++compared;
        }
      }
    }
    INFO(positions << ": " << accepted << " of " << drafted << " drafts accepted over " << compared << " runs");
    CHECK(accepted > 0);
    CHECK(accepted < drafted);
    CHECK(refills > 0);
  }
}

TEST_CASE("speculative decoding: the stop string and max tokens end it as in plain decoding") {
  auto m = tiny_lm("learned", 32, 4.0);
  GenerationOptions g;
  g.sampling.temperature = 0;
  g.max_tokens = 30;
  const GenerationResult full = generate(*m, "hello", g, torch::kCPU);
  REQUIRE(full.text.size() > 6);
  g.stop = full.text.substr(4, 2);
  const GenerationResult want = generate(*m, "hello", g, torch::kCPU);
  const GenerationResult got = generate_speculative(*m, "hello", g, {2, 4}, torch::kCPU);
  CHECK(got.stopped == want.stopped);
  CHECK(got.text == want.text);
  g.stop.clear();
  g.max_tokens = 7;
  CHECK(generate_speculative(*m, "hello", g, {1, 5}, torch::kCPU).tokens == 7);
}

TEST_CASE("speculative sampling: the first token is distributed as the full model's") {
  auto m = tiny_lm("learned", 32, 3.0);
  m->eval();
  GenerationOptions g;
  g.sampling = {0.8, 6, 1.0};
  g.max_tokens = 2;  // one draft, verified: the first token went through accept / reject
  const std::string prompt = "the ";
  torch::Tensor tokens = torch::tensor(std::vector<int64_t>{'t', 'h', 'e', ' '}).view({1, -1});
  torch::Tensor p, q;
  {
    torch::NoGradGuard ng;
    p = next_token_probabilities(m->forward(tokens, 4).select(1, -1), g.sampling).squeeze(0);
    q = next_token_probabilities(m->forward(tokens, 1).select(1, -1), g.sampling).squeeze(0);
  }
  // The draft's law differs from the full model's: a rule that accepted every draft would fail.
  REQUIRE(total_variation(p, q) > 0.3);
  const int runs = 3000;
  torch::Tensor counts = torch::zeros({256});
  int64_t accepted = 0;
  for (int s = 0; s < runs; ++s) {
    g.seed = static_cast<uint64_t>(s);
    GenerationResult r = generate_speculative(*m, prompt, g, {1, 1}, torch::kCPU);
    REQUIRE(r.text.size() == 2);
    counts[static_cast<unsigned char>(r.text[0])] += 1;
    accepted += r.accepted;
  }
  const torch::Tensor empirical = counts / runs;
  INFO("TV(empirical, p) = " << total_variation(empirical, p) << ", TV(q, p) = " << total_variation(q, p)
                             << ", drafts accepted " << accepted << " of " << runs);
  CHECK(total_variation(empirical, p) < 0.05);
  CHECK(accepted > 0);
  CHECK(accepted < runs);
}

TEST_CASE("speculative decoding: bad draft settings are refused with a clear message") {
  auto m = tiny_lm("learned", 16, 1.0);
  GenerationOptions g;
  CHECK_THROWS_WITH(generate_speculative(*m, "a", g, {4, 2}, torch::kCPU),
                    Catch::Contains("--draft-depth must be in 1..3"));
  CHECK_THROWS_WITH(generate_speculative(*m, "a", g, {0, 2}, torch::kCPU), Catch::Contains("--draft-depth"));
  CHECK_THROWS_WITH(generate_speculative(*m, "a", g, {1, 0}, torch::kCPU),
                    Catch::Contains("--draft-tokens must be >= 1"));
  g.depth = 2;
  CHECK_THROWS_WITH(generate_speculative(*m, "a", g, {1, 2}, torch::kCPU), Catch::Contains("the verifier is the full model"));
  g.depth = 0;
  g.use_cache = false;
  CHECK_THROWS_WITH(generate_speculative(*m, "a", g, {1, 2}, torch::kCPU), Catch::Contains("KV cache"));
}
