// `lpa init`: the shipped configs as starting points, compiled into the binary.
#include <dirent.h>

#include <algorithm>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/config/shipped_configs.h"
#include "test_support.h"

using namespace lpa;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<std::string> config_files() {
  std::vector<std::string> names;
  DIR* d = ::opendir((test::source_dir() + "/configs").c_str());
  REQUIRE(d != nullptr);
  while (const dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".yaml") names.push_back(n.substr(0, n.size() - 5));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("cli init: every configs/*.yaml is compiled in as written and listed with its notes") {
  const auto names = config_files();
  REQUIRE(names.size() >= 10);
  REQUIRE(shipped_configs().size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    CHECK(shipped_configs()[i].name == names[i]);
    CHECK(shipped_configs()[i].text == test::read_text(test::source_dir() + "/configs/" + names[i] + ".yaml"));
  }
  auto list = test::run_lpa("init --list");
  REQUIRE(list.exit_code == 0);
  for (const auto& n : names) {
    const ExperimentConfig cfg = load_config(test::source_dir() + "/configs/" + n + ".yaml");
    INFO(n);
    CHECK(contains(list.output, n));
    CHECK(contains(list.output, cfg.experiment.notes));
  }
}

TEST_CASE("cli init: writes a starting config that resolves to the shipped one, lists the keys it leaves out") {
  test::TempDir dir("init");
  const std::string out = dir.file("mine.yaml");
  auto r = test::run_lpa("init fashion_mnist_mlp -o " + out);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string text = test::read_text(out);
  CHECK(text.rfind("# Written by `lpa init fashion_mnist_mlp`", 0) == 0);
  CHECK(contains(text, test::read_text(test::source_dir() + "/configs/fashion_mnist_mlp.yaml")));
  const auto mine = test::run_lpa("config --config " + out);
  const auto shipped = test::run_lpa("config --config " + test::source_dir() + "/configs/fashion_mnist_mlp.yaml");
  REQUIRE(mine.exit_code == 0);
  CHECK(mine.output == shipped.output);
  // The keys left at their defaults that this config reads, with their meaning; not those it
  // never reads (a ResNet's, a Transformer's), which it would refuse.
  CHECK(contains(text, "#   tensorboard: true"));
  CHECK(contains(text, "#   beta1: 0.9 "));
  CHECK(contains(text, "# TensorBoard event files"));
  CHECK_FALSE(contains(text, "#   preact:"));
  CHECK_FALSE(contains(text, "#   heads:"));
  // Each listed key moved into its section is accepted.
  std::string edited = text;
  edited.replace(edited.find("train:\n"), 7, "train:\n  beta1: 0.8\n");
  test::write_text(out, edited);
  auto moved = test::run_lpa("config --config " + out);
  CHECK(moved.exit_code == 0);
  CHECK(contains(moved.output, "beta1: 0.8"));

  // An existing file is kept unless --force; the default name is NAME.yaml here.
  auto again = test::run_lpa("init surface -o " + out);
  CHECK(again.exit_code == 2);
  CHECK(contains(again.output, out + " exists (pass --force to replace it"));
  CHECK(test::read_text(out) == edited);
  CHECK(test::run_lpa("init surface --force -o " + out).exit_code == 0);
  CHECK(contains(test::read_text(out), "`lpa init surface`"));
  auto here = test::run_shell("cd " + dir.path + " && " + std::string(LPA_BINARY) + " init lm_sotu");
  CHECK(here.exit_code == 0);
  CHECK(contains(test::read_text(dir.file("lm_sotu.yaml")), "lm_sotu"));
  auto typo = test::run_lpa("init surfac");
  CHECK(typo.exit_code == 2);
  CHECK(contains(typo.output, "no shipped config 'surfac' (did you mean surface?)"));
}
