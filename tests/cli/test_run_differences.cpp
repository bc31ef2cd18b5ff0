// What tells runs apart: the differing keys, and labels built from them.
#include "catch.h"
#include "lpa/cli/run_differences.h"
#include "lpa/config/load.h"

using namespace lpa;
using cli::run_differences;

namespace {
ExperimentConfig config(const std::vector<std::string>& sets) { return parse_config("", "x.yaml", sets); }
}  // namespace

TEST_CASE("run differences: the keys that differ, with each run's value") {
  const auto d = run_differences({config({"experiment.name=a", "model.width=16", "train.seed=1"}),
                                  config({"experiment.name=a", "model.width=32", "train.seed=1"}),
                                  config({"experiment.name=a", "model.width=32", "train.seed=2"})});
  CHECK(d.keys == std::vector<std::string>{"model.width", "train.seed"});  // the key table's order
  CHECK(d.values[0] == std::vector<std::string>{"16", "1"});
  CHECK(d.values[2] == std::vector<std::string>{"32", "2"});
  CHECK(d.names == std::vector<std::string>{"a", "a", "a"});
  CHECK(d.labels == std::vector<std::string>{"model.width=16, train.seed=1", "model.width=32, train.seed=1",
                                             "model.width=32, train.seed=2"});
}

TEST_CASE("run differences: name and output keys are not compared, names prefix labels when they differ") {
  const auto d = run_differences({config({"experiment.name=lpa", "output.root=/a", "output.run_id=x"}),
                                  config({"experiment.name=e2e", "output.root=/b", "loss.kind=e2e"})});
  CHECK(d.keys == std::vector<std::string>{"loss.kind"});
  CHECK(d.labels == std::vector<std::string>{"lpa: loss.kind=lpa", "e2e: loss.kind=e2e"});
}

TEST_CASE("run differences: identical configs get their name, told apart by position") {
  const auto same = run_differences({config({"experiment.name=s"}), config({"experiment.name=s"})});
  CHECK(same.keys.empty());
  CHECK(same.labels == std::vector<std::string>{"s #1", "s #2"});
  const auto one = run_differences({config({"experiment.name=only"})});
  CHECK(one.labels == std::vector<std::string>{"only"});
}

TEST_CASE("run differences: long differences are cut in the label, kept in the keys") {
  const auto d = run_differences({config({"model.width=16", "model.depth=4", "train.lr=0.1", "train.seed=1"}),
                                  config({"model.width=32", "model.depth=8", "train.lr=0.2", "train.seed=2"})});
  CHECK(d.keys.size() == 4);
  CHECK(d.labels[0] == "model.depth=4, model.width=16, train.seed=1 +1 more");
}
