#include <algorithm>
#include <filesystem>

#include "catch.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/sweep/sweep.h"
#include "test_support.h"

using namespace lpa;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The error parse_sweep gives for `text`, or "no error".
std::string sweep_error(const std::string& text) {
  try {
    parse_sweep(text, "s.yaml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("sweep: grid x list x seeds, in order, with run directories") {
  auto s = parse_sweep(
      "base: ../surface.yaml\n"
      "set: [train.steps=5]\n"
      "grid:\n  loss.kind: [e2e, lpa]\n  model.depth: [2, 4]\n"
      "list:\n  - [loss.mode=joint]\n  - [loss.mode=local, loss.weights=linear]\n"
      "seeds: [0, 7]\n",
      "sweeps/demo.yaml");
  CHECK(s.name == "demo");
  CHECK(s.base_config == "surface.yaml");  // relative to the sweep file
  REQUIRE(s.tasks.size() == 16);
  CHECK(s.tasks[0].overrides ==
        std::vector<std::string>{"train.steps=5", "loss.kind=e2e", "model.depth=2", "loss.mode=joint", "train.seed=0"});
  CHECK(s.tasks[1].overrides.back() == "train.seed=7");
  CHECK(s.tasks[3].overrides ==
        std::vector<std::string>{"train.steps=5", "loss.kind=e2e", "model.depth=2", "loss.mode=local",
                                 "loss.weights=linear", "train.seed=7"});
  CHECK(s.tasks[15].overrides[1] == "loss.kind=lpa");
  CHECK(s.tasks[15].overrides[2] == "model.depth=4");
  CHECK(s.tasks[15].run_dir == "runs/sweeps/demo/task_015");
  // Only a list, no seeds; name and root from the file.
  auto l = parse_sweep("base: /abs/c.yaml\nname: x\nroot: out\nlist:\n  - [a.b=1]\n  - [a.b=2]\n", "s.yaml");
  REQUIRE(l.tasks.size() == 2);
  CHECK(l.base_config == "/abs/c.yaml");
  CHECK(l.tasks[1].overrides == std::vector<std::string>{"a.b=2"});
  CHECK(l.tasks[1].run_dir == "out/x/task_001");
}

TEST_CASE("sweep: bad sweep files name the file, line and key") {
  CHECK(contains(sweep_error("set: [a.b=1]\n"), "base: missing"));
  CHECK(contains(sweep_error("base: c.yaml\nseed: [1]\n"), "s.yaml:2: seed: unknown sweep key (did you mean seeds?)"));
  CHECK(contains(sweep_error("base: c.yaml\ngrid:\n  loss.kind: []\n"), "expected a non-empty list"));
  CHECK(contains(sweep_error("base: c.yaml\nlist:\n  - [train.steps]\n"), "'train.steps' is not section.key=value"));
  CHECK(contains(sweep_error("base: c.yaml\nseeds: [1, x]\n"), "'x' is not a non-negative integer"));
  CHECK(contains(sweep_error("base: [c.yaml\n"), "YAML syntax error"));
}

// Guards key_name and kMaxTasks in sweep/sweep.cpp (the pattern fuzz_config found in the config
// reader; a grid of 17 two-value axes is 131072 tasks, expanded in memory before).
TEST_CASE("sweep: list keys and grids of more than 100000 tasks are refused") {
  CHECK(sweep_error("[base]: c.yaml\n") == "s.yaml:1: expected a key name, found a list or mapping");
  CHECK(sweep_error("base: c.yaml\ngrid:\n  [a.b]: [1]\n") == "s.yaml:3: grid: expected a key name, found a list or mapping");
  std::string grid = "base: c.yaml\ngrid:\n";
  for (int axis = 0; axis < 17; ++axis) grid += "  a.k" + std::to_string(axis) + ": [1, 2]\n";
  CHECK(sweep_error(grid) == "s.yaml:19: grid: more than 100000 combinations");
  auto numbers = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += (i ? "," : "") + std::to_string(i);
    return s;
  };
  CHECK(sweep_error("base: c.yaml\ngrid: {a.b: [" + numbers(1000) + "]}\nseeds: [" + numbers(200) +
            "]\nlist: [[a.c=1], [a.c=2], [a.c=3]]\n") ==
        "s.yaml: 600000 tasks (grid x list x seeds), more than 100000");
}

TEST_CASE("cli sweep: --list, --task I and --all") {
  test::TempDir dir("sweep");
  test::write_text(dir.file("base.yaml"), test::tiny_surface_yaml("sw", 10));
  test::write_text(dir.file("s.yaml"), "base: base.yaml\nroot: " + dir.file("runs") +
                                           "\nset: [eval.every=10]\nlist:\n  - [loss.kind=e2e]\n  - [loss.kind=lpa]\n");
  auto r = test::run_lpa("sweep " + dir.file("s.yaml") + " --list");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, "# 2 tasks"));
  CHECK(contains(r.output, "1\t" + dir.file("runs") + "/s/task_001\teval.every=10 loss.kind=lpa"));

  r = test::run_lpa("sweep " + dir.file("s.yaml") + " --task 1");
  REQUIRE(r.exit_code == 0);
  CHECK(contains(test::read_text(dir.file("runs/s/task_001/config.yaml")), "kind: lpa"));
  CHECK_FALSE(file_exists(dir.file("runs/s/task_000/config.yaml")));

  r = test::run_lpa("sweep " + dir.file("s.yaml") + " --all");  // task 1 is done: only task 0 trains
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, "task 1 already finished"));
  CHECK(contains(test::read_text(dir.file("runs/s/task_000/config.yaml")), "kind: e2e"));
  CHECK(file_exists(dir.file("runs/s/task_000/per_depth.csv")));

  r = test::run_lpa("sweep " + dir.file("s.yaml") + " --task 2");
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "--task 2 but the sweep has 2 tasks"));
  r = test::run_lpa("sweep " + dir.file("s.yaml"));
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "--list, --task I or --all"));
  // A bad override is caught at --list, naming the task.
  test::write_text(dir.file("bad.yaml"), "base: base.yaml\nlist:\n  - [loss.kind=e2e]\n  - [model.depht=3]\n");
  r = test::run_lpa("sweep " + dir.file("bad.yaml") + " --list");
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "task 1"));
  CHECK(contains(r.output, "model.depth"));
}

// Guards move_sweep_root and its use for --root in sweep_cmd.cpp.
TEST_CASE("cli sweep: --root runs the same tasks under another folder") {
  test::TempDir dir("sweep_root");
  test::write_text(dir.file("base.yaml"), test::tiny_surface_yaml("sw", 10));
  test::write_text(dir.file("s.yaml"), "base: base.yaml\nroot: " + dir.file("runs") + "\nlist:\n  - [loss.kind=e2e]\n");
  auto r = test::run_lpa("sweep " + dir.file("s.yaml") + " --list --root " + dir.file("quick"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, "0\t" + dir.file("quick") + "/s/task_000\t"));
  r = test::run_lpa("sweep " + dir.file("s.yaml") + " --task 0 --root " + dir.file("quick"));
  REQUIRE(r.exit_code == 0);
  CHECK(file_exists(dir.file("quick/s/task_000/per_depth.csv")));
  CHECK_FALSE(file_exists(dir.file("runs/s/task_000")));
  // An edited sweep file that gives task 0 another config does not pass the old run off as it.
  test::write_text(dir.file("s.yaml"), "base: base.yaml\nroot: " + dir.file("runs") + "\nlist:\n  - [loss.kind=lpa]\n");
  r = test::run_lpa("sweep " + dir.file("s.yaml") + " --task 0 --root " + dir.file("quick"));
  CHECK(r.exit_code == 2);
  CHECK(contains(r.output, "task 0: " + dir.file("quick") + "/s/task_000 holds a finished run of another config ("
                           "loss.kind is e2e there, lpa here"));
}

// Guards the extension branch of run_task in sweep_cmd.cpp: a larger train.steps given to the
// sweep continues its finished tasks; the same length leaves them be.
TEST_CASE("cli sweep: --set train.steps=M extends finished tasks") {
  test::TempDir dir("sweep_extend");
  test::write_text(dir.file("base.yaml"), test::tiny_surface_yaml("swx", 20));
  test::write_text(dir.file("s.yaml"), "base: base.yaml\nroot: " + dir.file("runs") + "\nlist:\n  - [loss.kind=e2e]\n");
  REQUIRE(test::run_lpa("sweep " + dir.file("s.yaml") + " --all").exit_code == 0);
  auto again = test::run_lpa("sweep " + dir.file("s.yaml") + " --all");
  CHECK(contains(again.output, "task 0 already finished"));
  auto longer = test::run_lpa("sweep " + dir.file("s.yaml") + " --all --set train.steps=40");
  INFO(longer.output);
  REQUIRE(longer.exit_code == 0);
  CHECK(contains(longer.output, "extending the run: train.steps 20 -> 40 from step 20"));
  CHECK(test::csv_rows(dir.file("runs/s/task_000/train_log.csv")).back()[0] == "40");
}

// Every sweep file scripts/reproduce.sh runs expands, and every task's config resolves.
TEST_CASE("cli sweep: the reproduce sweeps expand to valid tasks") {
  const std::vector<std::pair<std::string, std::string>> sweeps = {
      {"surfaces", "135"}, {"surfaces_variants", "243"}, {"surfaces_final_weight", "81"}, {"fmnist_resnet", "12"},
      {"fmnist_resnet_variants", "24"}, {"fmnist_mlp", "12"},  {"sotu_lm", "12"},
      {"cifar10_resnet", "12"}, {"cifar100_resnet", "12"}, {"fmnist_resnet_lr", "12"},
      {"surfaces_adaptive", "54"}, {"surfaces_lr", "108"}, {"fmnist_resnet_recipe", "18"},
      {"fmnist_resnet_head_gradient", "15"}, {"fmnist_resnet_final_weight", "12"}, {"fmnist_resnet_heads", "6"}, {"fmnist_resnet_exit_width", "9"}, {"surfaces_heads", "54"},
      {"surfaces_exit_width", "108"}, {"surfaces_exit_recipe", "162"}, {"fmnist_resnet_shallow", "6"}};
  // A sweep file added to the folder without a count here would go unchecked.
  for (const auto& entry : std::filesystem::directory_iterator(test::source_dir() + "/configs/sweeps/reproduce")) {
    const auto name = entry.path().stem().string();
    INFO("configs/sweeps/reproduce/" << name << ".yaml has no expected task count in this test");
    CHECK(std::any_of(sweeps.begin(), sweeps.end(), [&](const auto& s) { return s.first == name; }));
  }
  for (const auto& [name, count] : sweeps) {
    auto r = test::run_lpa("sweep " + test::source_dir() + "/configs/sweeps/reproduce/" + name + ".yaml --list");
    INFO(name << ": " << r.output.substr(0, 600));
    CHECK(r.exit_code == 0);
    CHECK(contains(r.output, "# " + count + " tasks"));
  }
}

TEST_CASE("cli sweep: the shipped sweep expands to 12 valid tasks") {
  auto r = test::run_lpa("sweep " + test::source_dir() + "/configs/sweeps/surface_lpa_vs_e2e.yaml --list");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, "# 12 tasks"));
  CHECK(contains(r.output, "--array=0-11"));
}

// Guards scripts/reproduce.sh's --quick presets: every task of every sweep it would train, with
// the preset's --set pairs, resolves (a preset the key checks refuse stops that workload).
TEST_CASE("cli sweep: scripts/reproduce.sh --list resolves every task, --quick presets included") {
  for (const std::string mode : {"", "--quick "}) {
    auto r = test::run_shell("cd " + test::source_dir() + " && LPA=" + std::string(LPA_BINARY) +
                             " scripts/reproduce.sh " + mode + "--variants --list 2>&1");
    INFO(mode << r.output);
    CHECK(r.exit_code == 0);
    for (const std::string sweep : {"surfaces: 135", "surfaces_variants: 243", "fmnist_resnet: 12",
                                    "fmnist_resnet_variants: 24", "fmnist_mlp: 12", "sotu_lm: 12"})
      CHECK(contains(r.output, sweep + " tasks"));
  }
}

// --arms keeps only the named arms' tasks and refuses a name none has; --set reaches every task
// (a key lpa refuses stops it) and is checked for the one form the script passes on.
TEST_CASE("cli sweep: scripts/reproduce.sh --arms and --set") {
  const std::string cmd = "cd " + test::source_dir() + " && LPA=" + std::string(LPA_BINARY) + " scripts/reproduce.sh ";
  auto arms = test::run_shell(cmd + "--only fmnist_resnet,surfaces --arms lpa,e2e --list 2>&1");
  INFO(arms.output);
  CHECK(arms.exit_code == 0);
  CHECK(contains(arms.output, "fmnist_resnet: 6 tasks"));  // of 12: lpa and e2e, not e2e_d2/e2e_d4
  CHECK(contains(arms.output, "surfaces: 54 tasks"));      // of 135
  // An arm no chosen sweep has (here one of another workload) trains nothing: refused, named.
  auto typo = test::run_shell(cmd + "--only fmnist_resnet --arms lpa,e2e_lr_0.2 --list 2>&1");
  INFO(typo.output);
  CHECK(typo.exit_code == 2);
  CHECK(contains(typo.output, "--arms: no sweep of fmnist_resnet has an arm 'e2e_lr_0.2'"));
  auto set = test::run_shell(cmd + "--only fmnist_resnet --set train.stepz=10 --list 2>&1");
  INFO(set.output);
  CHECK(set.exit_code != 0);
  CHECK(contains(set.output, "train.stepz"));
  auto spaced = test::run_shell(cmd + "--only fmnist_resnet --set 'train.steps = 10' --list 2>&1");
  CHECK(spaced.exit_code == 2);
  CHECK(contains(spaced.output, "--set needs KEY=VALUE without spaces"));
}
