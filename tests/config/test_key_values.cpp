// A config flattened key by key: every key of the table once, lists on one line.
#include "catch.h"
#include "lpa/config/key_values.h"
#include "lpa/config/load.h"
#include "lpa/config/schema.h"

using namespace lpa;

namespace {
std::string value_of(const ExperimentConfig& c, const std::string& key) {
  for (const auto& [k, v] : config_key_values(c))
    if (k == key) return v;
  return "<absent>";
}
}  // namespace

TEST_CASE("config key values: every key of the table, in its order, one line each") {
  const auto kv = config_key_values(ExperimentConfig{});
  REQUIRE(kv.size() == config_schema().size());
  for (size_t i = 0; i < kv.size(); ++i) {
    CHECK(kv[i].first == config_schema()[i].path);
    CHECK(kv[i].second.find('\n') == std::string::npos);
  }
  auto c = parse_config("", "x.yaml", {"model.depth=5", "loss.weights=[1, 2, 3, 4, 5]", "train.lr=0.25"});
  CHECK(value_of(c, "model.depth") == "5");
  CHECK(value_of(c, "loss.weights") == "[1, 2, 3, 4, 5]");
  CHECK(value_of(c, "train.lr") == "0.25");
}

TEST_CASE("config key values: keys the config never reads are at their defaults") {
  // Under E2E the depth weights are not read: two such configs compute the same thing.
  auto a = parse_config("loss:\n  kind: e2e\n", "a.yaml");
  auto b = parse_config("loss:\n  weights: linear\n", "b.yaml", {"loss.kind=e2e"});
  CHECK(value_of(b, "loss.weights") == value_of(a, "loss.weights"));
  CHECK(config_key_values(a) == config_key_values(b));
}
