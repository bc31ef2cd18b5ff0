// A key the run never reads: refused at train time with exit 2, and written at its default in
// the run directory's config.yaml so that `lpa eval --run`, a resume and `lpa train --config
// <run>/config.yaml` accept the run (guards without_ignored_keys() in config_to_yaml).
#include "catch.h"
#include "test_support.h"

using lpa::test::run_lpa;
namespace test = lpa::test;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("cli train: an ignored key exits 2 naming it, the E2E switch of an LPA file keeps the run usable") {
  test::TempDir dir("ignored");
  std::string yaml = test::tiny_surface_yaml("ign", 20);
  const std::string uniform = "weights: uniform";
  yaml.replace(yaml.find(uniform), uniform.size(), "weights: linear");
  const std::string config = dir.file("c.yaml"), run = dir.file("run");
  test::write_text(config, yaml);

  auto refused = run_lpa("train --config " + config + " --run-dir " + run + " --set train.nesterov=true");
  CHECK(refused.exit_code == 2);
  CHECK(contains(refused.output, "--set train.nesterov: ignored by train.optimizer: adam (Nesterov momentum is SGD's)"));
  CHECK(test::run_shell("test -e " + run).exit_code != 0);  // nothing written

  const std::string e2e = " --set loss.kind=e2e";
  auto trained = run_lpa("train --config " + config + " --run-dir " + run + e2e);
  INFO(trained.output);
  REQUIRE(trained.exit_code == 0);
  const std::string recorded = test::read_text(run + "/config.yaml");
  CHECK(contains(recorded, "weights: uniform"));  // E2E reads no depth weights
  CHECK(run_lpa("eval --run " + run).exit_code == 0);
  auto resumed = run_lpa("train --config " + config + " --run-dir " + run + e2e);
  INFO(resumed.output);
  CHECK(resumed.exit_code == 0);
  CHECK(run_lpa("train --config " + run + "/config.yaml --run-dir " + dir.file("again")).exit_code == 0);
}
