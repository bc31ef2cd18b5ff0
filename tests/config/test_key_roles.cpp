// What each config key says about a run (src/lpa/config/key_roles.cpp).
#include "catch.h"
#include "lpa/config/key_roles.h"
#include "lpa/config/schema.h"

using namespace lpa;

TEST_CASE("key roles: every named key is in the schema, so a renamed key cannot silently compute") {
  for (const KeyRole role : {KeyRole::length, KeyRole::placement, KeyRole::launch}) {
    const auto keys = keys_with_role(role);
    CHECK_FALSE(keys.empty());
    for (const auto& k : keys) {
      INFO(k);
      CHECK(find_config_key(k) != nullptr);
      CHECK(key_role(k) == role);
    }
  }
}

TEST_CASE("key roles: what a run computes, how long, where and how it is launched") {
  CHECK(key_role("model.width") == KeyRole::computes);
  CHECK(key_role("train.seed") == KeyRole::computes);
  CHECK(key_role("experiment.name") == KeyRole::computes);  // names the folder a run resumes in
  CHECK(key_role("train.steps") == KeyRole::length);
  CHECK(key_role("train.epochs") == KeyRole::length);
  CHECK(key_role("train.threads") == KeyRole::placement);
  CHECK(key_role("train.device") == KeyRole::placement);
  CHECK(key_role("train.requeue") == KeyRole::launch);
  CHECK(key_role("output.root") == KeyRole::launch);
  CHECK(std::string(key_role_name(KeyRole::placement)) == "placement");
  CHECK(std::string(key_role_name(key_role("loss.kind"))) == "computes");
}
