// End-to-end: the built binary on tiny configs; files written, exit codes, messages.
#include "catch.h"
#include "lpa/io/csv_writer.h"
#include "test_support.h"

using namespace lpa;
using lpa::test::run_lpa;

namespace {

struct TinyRun {
  test::TempDir dir{"cli"};
  std::string config = dir.file("tiny.yaml");
  std::string run = dir.file("run");
  test::CommandResult result;
  explicit TinyRun(const std::string& extra = "", int steps = 60) {
    test::write_text(config, test::tiny_surface_yaml("tiny", steps));
    result = run_lpa("train --config " + config + " --run-dir " + run + " " + extra);
  }
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("cli train: writes the run directory and prints the per-depth table") {
  TinyRun t;
  INFO(t.result.output);
  REQUIRE(t.result.exit_code == 0);
  CHECK(contains(t.result.output, "per-depth metrics on the test split"));
  CHECK(contains(t.result.output, "run directory: " + t.run));
  auto log = read_csv(t.run + "/train_log.csv");
  CHECK(log.front() == std::vector<std::string>{"step", "epoch", "lr", "loss", "loss_d1", "loss_d2",
                                                "loss_d3", "loss_d4", "samples_per_s", "elapsed_s"});
  CHECK(log.size() == 1 + 6);  // every 10 of 60 steps
  auto curves = read_csv(t.run + "/curves.csv");
  CHECK(curves.front() == std::vector<std::string>{"step", "epoch", "split", "depth", "mse", "rmse", "mae", "r2"});
  CHECK(curves.size() == 1 + 3 * 4);  // steps 20, 40, 60 x 4 depths
  auto per = read_csv(t.run + "/per_depth.csv");
  CHECK(per.front() == std::vector<std::string>{"split", "depth", "mse", "rmse", "mae", "r2", "params",
                                                "mflops_per_sample"});
  CHECK(per.size() == 1 + 4);
  CHECK(contains(test::read_text(t.run + "/per_depth.svg"), ">tiny: mse per depth</text>"));
  auto cfg = test::read_text(t.run + "/config.yaml");
  CHECK(contains(cfg, "libtorch_version:"));
  CHECK(contains(cfg, "device: cpu"));
  CHECK(contains(cfg, "seed: 0"));
  CHECK(test::run_shell("ls " + t.run + "/checkpoints/step_00000060.pt").exit_code == 0);
}

TEST_CASE("cli train: same seed, same numbers") {
  TinyRun a, b;
  REQUIRE(a.result.exit_code == 0);
  REQUIRE(b.result.exit_code == 0);
  CHECK(test::read_text(a.run + "/per_depth.csv") == test::read_text(b.run + "/per_depth.csv"));
  TinyRun c("--set train.seed=5");
  CHECK(test::read_text(a.run + "/per_depth.csv") != test::read_text(c.run + "/per_depth.csv"));
}

TEST_CASE("cli train: LPA on a small seeded run is progressive") {
  // 400 steps of depth-4 LPA on sin(pi x) cos(pi y): the property the method promises.
  TinyRun t("--set loss.weights=linear --set data.n_train=1024 --set eval.every=400", 400);
  REQUIRE(t.result.exit_code == 0);
  auto per = read_csv(t.run + "/per_depth.csv");
  std::vector<double> mse;
  for (size_t i = 1; i < per.size(); ++i) mse.push_back(std::stod(per[i][2]));
  INFO(t.result.output);
  REQUIRE(mse.size() == 4);
  CHECK(mse[3] <= 0.5 * mse[0]);
  for (size_t i = 1; i < mse.size(); ++i) CHECK(mse[i] <= mse[i - 1] * 1.05);  // rises within 5%
}

TEST_CASE("cli eval: depth spec, rewrites only its split") {
  TinyRun t;
  REQUIRE(t.result.exit_code == 0);
  auto r = run_lpa("eval --run " + t.run + " --depths 2..4:2 --split val");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, "per-depth metrics on the val split"));
  auto per = read_csv(t.run + "/per_depth.csv");
  CHECK(per.size() == 1 + 4 + 2);  // test rows kept, val rows added
  CHECK(per.back()[0] == "val");
  CHECK(per.back()[1] == "4");
  // per_depth.svg follows per_depth.csv: both splits now.
  const std::string svg = test::read_text(t.run + "/per_depth.svg");
  CHECK(contains(svg, ">test split</text>"));
  CHECK(contains(svg, ">val split</text>"));
}

TEST_CASE("cli config: prints the resolved YAML with overrides") {
  auto r = run_lpa("config --config " + test::source_dir() + "/configs/surface.yaml --set train.steps=10");
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, "steps: 10"));
  CHECK(contains(r.output, "kind: lpa"));
  auto keys = run_lpa("config --keys");
  CHECK(contains(keys.output, "model.depth"));
  // The roles the reproduce script reads to tell a run's recipe from where and how it ran.
  auto roles = run_lpa("config --roles");
  REQUIRE(roles.exit_code == 0);
  CHECK(contains(roles.output, "model.depth              computes\n"));
  CHECK(contains(roles.output, "train.steps              length\n"));
  CHECK(contains(roles.output, "train.threads            placement\n"));
  CHECK(contains(roles.output, "train.dist_timeout_s     launch\n"));
}

TEST_CASE("cli plot: an SVG from two runs") {
  TinyRun a;
  TinyRun b("--set loss.kind=e2e");
  REQUIRE(a.result.exit_code == 0);
  REQUIRE(b.result.exit_code == 0);
  auto r = run_lpa("plot " + a.run + " " + b.run + " -o " + a.dir.file("p.svg"));
  REQUIRE(r.exit_code == 0);
  auto svg = test::read_text(a.dir.file("p.svg"));
  // Labelled by the key that differs, not by a name both runs share.
  CHECK(contains(svg, ">loss.kind=lpa</text>"));
  CHECK(contains(svg, ">loss.kind=e2e</text>"));
}

TEST_CASE("cli version: lpa, LibTorch and BLAS") {
  auto r = run_lpa("--version");
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, ", LibTorch "));
  CHECK(contains(r.output, "lpa "));
  CHECK(contains(r.output, "BLAS: "));
}
