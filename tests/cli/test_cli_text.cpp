// End-to-end on tiny generated text: lpa train + eval + generate for a byte LM, and a text
// classifier from label folders.
#include <filesystem>

#include "catch.h"
#include "cli/early_exit_curve.h"
#include "lpa/io/csv_writer.h"
#include "test_support.h"

using namespace lpa;
using lpa::test::run_lpa;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string lm_config(const std::string& corpus) {
  return "experiment:\n  name: tiny_lm\n"
         "model:\n  type: transformer\n  depth: 2\n  width: 32\n  heads: 2\n  positions: rotary\n"
         "data:\n  type: text\n  files: " + corpus + "\n  seq_len: 32\n  batch_size: 16\n  augment: true\n"
         "  val_fraction: 0.1\n  test_fraction: 0.1\n"
         "loss:\n  kind: lpa\n  weights: linear\n  layer_drop: 0.2\n"
         "train:\n  steps: 80\n  lr: 0.01\n  threads: 1\n  device: cpu\n  log_every: 20\n  warmup_steps: 5\n"
         "eval:\n  every: 40\n  batch_size: 64\n";
}

struct TinyLm {
  test::TempDir dir{"cli_lm"};
  std::string run = dir.file("run");
  test::CommandResult train;
  TinyLm() {
    std::string text;
    for (int i = 0; i < 300; ++i) text += "The Congress shall meet " + std::to_string(i % 7) + " times. ";
    test::write_text(dir.file("corpus.txt"), text);
    test::write_text(dir.file("lm.yaml"), lm_config(dir.file("corpus.txt")));
    train = run_lpa("train --config " + dir.file("lm.yaml") + " --run-dir " + run);
  }
  // stdout only: the generated text, without the statistics line on stderr.
  test::CommandResult generate(const std::string& args) {
    return test::run_shell(std::string("(OMP_NUM_THREADS=1 ") + LPA_BINARY + " generate --run " + run + " " +
                           args + " 2>/dev/null)");
  }
};

}  // namespace

TEST_CASE("cli text: train a tiny byte LM, evaluate per depth, generate at two depths") {
  TinyLm t;
  INFO(t.train.output);
  REQUIRE(t.train.exit_code == 0);
  auto per = read_csv(t.run + "/per_depth.csv");
  REQUIRE(per.size() == 1 + 2);
  CHECK(per.front() == std::vector<std::string>{"split", "depth", "loss", "perplexity", "bpb", "accuracy",
                                                "params", "mflops_per_sample"});
  // 80 steps on a very repetitive text: far below the 8 bits of a uniform byte at both depths.
  CHECK(std::stod(per[1][4]) < 4.0);
  CHECK(std::stod(per[2][4]) < 4.0);
  auto e = run_lpa("eval --run " + t.run + " --split val");
  INFO(e.output);
  CHECK(e.exit_code == 0);
  CHECK(contains(e.output, "bpb"));

  auto full = run_lpa("generate --run " + t.run + " --prompt 'The Con' --max-tokens 40 --seed 3");
  INFO(full.output);
  REQUIRE(full.exit_code == 0);
  CHECK(full.output.rfind("The Con", 0) == 0);
  CHECK(contains(full.output, "depth 2 of 2"));
  CHECK(contains(full.output, "generated 40 tokens"));
  CHECK(contains(full.output, "tokens/s"));
  auto a = t.generate("--depth 1 --prompt 'The Con' --max-tokens 40 --seed 3 --top-k 5 --top-p 0.9");
  auto b = t.generate("--depth 1 --prompt 'The Con' --max-tokens 40 --seed 3 --top-k 5 --top-p 0.9");
  REQUIRE(a.exit_code == 0);
  CHECK(a.output == b.output);  // seeded
  CHECK(a.output.size() > 7);
  auto stopped = t.generate("--prompt 'The Con' --max-tokens 200 --temperature 0 --stop '.'");
  REQUIRE(stopped.exit_code == 0);
  CHECK(stopped.output.find('.') == std::string::npos);
  auto bad = run_lpa("generate --run " + t.run + " --depth 3 --prompt x");
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.output, "lpa: error: depth 3 is out of range 1..2"));
  CHECK(run_lpa("generate --run " + t.run + " --prompt ''").exit_code == 2);
}

TEST_CASE("cli text: invalid UTF-8 and control bytes from the model are printed safely") {
  TinyLm t;
  REQUIRE(t.train.exit_code == 0);
  // Temperature 30 makes every byte almost equally likely: lone high bytes are certain.
  auto r = t.generate("--prompt 'The' --max-tokens 300 --temperature 30 --seed 1");
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.output, "\xEF\xBF\xBD"));
  std::string printed = r.output;
  size_t bad = 0;
  for (size_t i = 0; i < printed.size(); ++i) {
    unsigned char c = printed[i];
    if (c == 0xFF || c == 0xFE || (c >= 0xF8)) ++bad;  // never valid in UTF-8
    if (c < 0x20 && c != '\n' && c != '\t') ++bad;     // no raw control bytes reach the terminal
  }
  CHECK(bad == 0);
}

TEST_CASE("cli text: a classifier from label folders reports accuracy, nll and f1 per depth") {
  test::TempDir dir("cli_cls");
  namespace fs = std::filesystem;
  fs::create_directories(dir.file("root/ham"));
  fs::create_directories(dir.file("root/spam"));
  for (int i = 0; i < 60; ++i) {
    test::write_text(dir.file("root/ham/" + std::to_string(i) + ".txt"), "see you at the meeting on day " + std::to_string(i));
    if (i < 40) test::write_text(dir.file("root/spam/" + std::to_string(i) + ".txt"), "WIN $$$ NOW!!! click " + std::to_string(i));
  }
  const std::string cfg =
      "experiment:\n  name: tiny_cls\n"
      "model:\n  type: transformer\n  depth: 2\n  width: 16\n  heads: 2\n  causal: false\n  pool: mean\n"
      "data:\n  type: text_classification\n  root: " + dir.file("root") + "\n  seq_len: 24\n  batch_size: 16\n"
      "  val_fraction: 0.2\n  test_fraction: 0.2\n"
      "train:\n  steps: 40\n  lr: 0.003\n  threads: 1\n  device: cpu\n  log_every: 10\n"
      "eval:\n  every: 20\n";
  test::write_text(dir.file("cls.yaml"), cfg);
  auto r = run_lpa("train --config " + dir.file("cls.yaml") + " --run-dir " + dir.file("run"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto per = read_csv(dir.file("run/per_depth.csv"));
  REQUIRE(per.size() == 1 + 2);
  CHECK(per.front() == std::vector<std::string>{"split", "depth", "accuracy", "nll", "ece", "f1", "params",
                                                "mflops_per_sample"});
  CHECK(std::stod(per[2][2]) >= 0.9);  // the two classes differ in their first bytes
  CHECK(std::stod(per[2][5]) >= 0.9);
  auto g = run_lpa("generate --run " + dir.file("run") + " --prompt x");
  CHECK(g.exit_code == 2);
  CHECK(contains(g.output, "generate needs a language-model run (data.type: text)"));
  // Early exit serves text classifiers too: calibrated on val for a compute budget.
  auto ee = run_lpa("eval --run " + dir.file("run") + " --early-exit entropy --budget 1.5");
  INFO(ee.output);
  REQUIRE(ee.exit_code == 0);
  CHECK(contains(ee.output, "calibrated on val for average depth <= 1.5"));
  auto curve = read_csv(dir.file("run/early_exit.csv"));
  REQUIRE(curve.front().size() == 8);  // split threshold accuracy avg_depth avg_mflops exit_d1 exit_d2 calibrated
  CHECK(curve.front()[6] == "exit_d2");
  int calibrated_val = 0;
  for (size_t i = 1; i < curve.size(); ++i)
    if (curve[i][0] == "val" && curve[i][7] == "1") {
      ++calibrated_val;
      CHECK(std::stod(curve[i][3]) <= 1.5);
      CHECK(std::stod(curve[i][5]) + std::stod(curve[i][6]) == Approx(1.0));  // every sample exits once
    }
  CHECK(calibrated_val == 1);
  auto val = run_lpa("eval --run " + dir.file("run") + " --split val --depths all");
  REQUIRE(val.exit_code == 0);
  test::check_early_exit_curve(dir.file("run"));
}
