// `lpa train --probe-from RUN`: probes on a trained E2E run's frozen model, from the command
// line. The source here has a shared head, the probe run one head per depth, each starting as
// a copy of it: the deepest exit's metrics stay exactly E2E's, the shallow ones improve.
#include <algorithm>
#include <filesystem>

#include "catch.h"
#include "test_support.h"

using namespace lpa;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

double cell(const std::vector<std::vector<std::string>>& csv, size_t row, const std::string& column) {
  const auto& h = csv.at(0);
  const size_t c = static_cast<size_t>(std::find(h.begin(), h.end(), column) - h.begin());
  return std::stod(csv.at(row).at(c));
}

}  // namespace

TEST_CASE("cli probe: --probe-from trains the shallow heads of an E2E run, exit N unchanged") {
  test::TempDir dir("cli_probe");
  test::write_text(dir.file("e2e.yaml"), test::tiny_surface_yaml("e2e", 150));
  auto e2e = test::run_lpa("train --config " + dir.file("e2e.yaml") + " --set loss.kind=e2e --run-dir " +
                           dir.file("e2e"));
  INFO(e2e.output);
  REQUIRE(e2e.exit_code == 0);
  // The source's config by default; only the head layout and the length of the run change.
  auto probe = test::run_lpa("train --probe-from " + dir.file("e2e") +
                             " --set model.head=per_depth --set train.steps=100 --run-dir " + dir.file("probe"));
  INFO(probe.output);
  REQUIRE(probe.exit_code == 0);
  CHECK(contains(probe.output, "probes: the heads of exits 1 2 3 train"));
  CHECK(contains(probe.output, "objective: probes on the frozen model of " + dir.file("e2e")));

  const auto before = test::csv_rows(dir.file("e2e/per_depth.csv"));
  const auto after = test::csv_rows(dir.file("probe/per_depth.csv"));
  REQUIRE(before.size() == 5);
  REQUIRE(after.size() == 5);
  CHECK(after[4] == before[4]);  // depth 4: the same model, the same numbers
  for (size_t d = 1; d <= 3; ++d) {
    INFO("depth " << d);
    CHECK(cell(after, d, "mse") < cell(before, d, "mse"));
  }
  // The run records where it came from, and reloads as its own config.
  const std::string config = test::read_text(dir.file("probe/config.yaml"));
  CHECK(contains(config, "probe_from: " + dir.file("e2e")));
  CHECK(contains(config, "source_config: " + dir.file("e2e") + "/config.yaml"));
  // Its checkpoint holds the whole model: it resumes with the source run gone.
  std::filesystem::remove_all(dir.file("e2e"));
  auto again = test::run_lpa("train --config " + dir.file("probe/config.yaml") + " --run-dir " + dir.file("probe"));
  INFO(again.output);
  CHECK(again.exit_code == 0);
  CHECK(contains(again.output, "resumed from"));
}
