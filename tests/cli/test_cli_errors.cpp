// Bad input: exit code 2 and one line naming the file, key or value; nothing written is lost.
#include "catch.h"
#include "test_support.h"

using namespace lpa;
using lpa::test::run_lpa;

namespace {

struct BadCase {
  std::string name, yaml, extra, expect;
};

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  auto p = t.rfind('\n');
  return p == std::string::npos ? t : t.substr(p + 1);
}

}  // namespace

TEST_CASE("cli errors: bad configs end with exit 2 and one clear line") {
  const std::string base = test::tiny_surface_yaml("bad", 5);
  std::vector<BadCase> cases = {
      {"YAML syntax", "model:\n  depth: [4\n", "", "YAML syntax error"},
      {"unknown key", "model:\n  dpeth: 4\n", "", ":2: model.dpeth: unknown key (did you mean model.depth?)"},
      {"wrong type", "model:\n  width: wide\n", "", ":2: model.width: expected an integer, got 'wide'"},
      {"negative depth", "model:\n  depth: -4\n", "", ":2: model.depth: must be in [1, 4096], got -4"},
      {"unknown model", "model:\n  type: vit\n", "", ":2: model.type: 'vit' is not one of"},
      {"unknown surface", base, "--set data.function=frankie",
       "--set data.function: unknown surface 'frankie' (did you mean franke?)"},
      {"--set missing key", base, "--set train.stepz=3", "--set train.stepz: unknown key (did you mean train.steps?)"},
      {"--set bad value", base, "--set train.lr=fast", "--set train.lr: expected a number, got 'fast'"},
      {"missing config", "", "", "cannot open config file"},
      {"bad device", base, "--set train.device=tpu", "train.device: 'tpu' is not auto, cpu, cuda"},
      {"bad final depths", base, "--set eval.depths=1..9", "depth spec '1..9': depth 9 is out of range 1..4"},
  };
  for (const auto& c : cases) {
    test::TempDir dir("bad");
    std::string cfg = dir.file("c.yaml");
    if (c.name != "missing config") test::write_text(cfg, c.yaml);
    auto r = run_lpa("train --config " + cfg + " --run-dir " + dir.file("run") + " " + c.extra);
    INFO(c.name << ": " << r.output);
    CHECK(r.exit_code == 2);
    CHECK(last_line(r.output).find(c.expect) != std::string::npos);
    CHECK(last_line(r.output).rfind("lpa: error: ", 0) == 0);
  }
}

TEST_CASE("cli errors: eval on missing, corrupt and out-of-range runs") {
  test::TempDir dir("evalbad");
  auto r = run_lpa("eval --run " + dir.file("nope"));
  CHECK(r.exit_code == 2);
  CHECK(last_line(r.output) == "lpa: error: " + dir.file("nope") + ": run directory does not exist");

  std::string cfg = dir.file("c.yaml"), run = dir.file("run");
  test::write_text(cfg, test::tiny_surface_yaml("ok", 20));
  REQUIRE(run_lpa("train --config " + cfg + " --run-dir " + run).exit_code == 0);
  const std::string before = test::read_text(run + "/per_depth.csv");

  auto out_of_range = run_lpa("eval --run " + run + " --depths 1..17");
  CHECK(out_of_range.exit_code == 2);
  CHECK(last_line(out_of_range.output) == "lpa: error: depth spec '1..17': depth 17 is out of range 1..4");
  auto bad_split = run_lpa("eval --run " + run + " --split dev");
  CHECK(bad_split.exit_code == 2);

  test::write_text(run + "/checkpoints/step_00000020.pt", "not a checkpoint");
  auto corrupt = run_lpa("eval --run " + run);
  CHECK(corrupt.exit_code == 2);
  CHECK(last_line(corrupt.output).find("no readable checkpoint") != std::string::npos);
  CHECK(test::read_text(run + "/per_depth.csv") == before);  // nothing written is damaged

  auto missing_arg = run_lpa("eval");
  CHECK(missing_arg.exit_code == 2);
}

TEST_CASE("cli errors: a run directory with another config is refused") {
  test::TempDir dir("mismatch");
  std::string cfg = dir.file("c.yaml"), run = dir.file("run");
  test::write_text(cfg, test::tiny_surface_yaml("ok", 10));
  REQUIRE(run_lpa("train --config " + cfg + " --run-dir " + run).exit_code == 0);
  auto r = run_lpa("train --config " + cfg + " --run-dir " + run + " --set model.width=32");
  CHECK(r.exit_code == 2);
  CHECK(last_line(r.output).find("holds a run with a different config") != std::string::npos);
}

TEST_CASE("cli errors: a diverging run stops naming the step (exit 3)") {
  test::TempDir dir("nan");
  std::string cfg = dir.file("c.yaml");
  test::write_text(cfg, test::tiny_surface_yaml("nan", 50));
  auto r = run_lpa("train --config " + cfg + " --run-dir " + dir.file("run") +
                   " --set train.lr=500 --set train.grad_clip=0 --set train.optimizer=sgd --set train.momentum=0");
  INFO(r.output);
  CHECK(r.exit_code == 3);
  CHECK(last_line(r.output).find("training diverged") != std::string::npos);
  CHECK(last_line(r.output).find("at step ") != std::string::npos);
}
