// End-to-end: `lpa predict` with real early exit from a run and from both export formats (the
// same rows), `lpa bench --early-exit`, text and feature inputs; `lpa generate --draft-depth`
// and `lpa bench --speculative` on a tiny language model.
#include <filesystem>

#include "catch.h"
#include "image_fixtures.h"
#include "lpa/io/csv_writer.h"
#include "test_support.h"

using namespace lpa;
using lpa::test::run_lpa;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string column(const std::vector<std::vector<std::string>>& csv, size_t row, const std::string& name) {
  const auto& h = csv.at(0);
  for (size_t i = 0; i < h.size(); ++i)
    if (h[i] == name) return csv.at(row).at(i);
  return "<no column " + name + ">";
}

struct TinyResNet {
  test::TempDir dir{"cli_predict"};
  std::string run = dir.file("run");
  std::string images = dir.file("t10k-images-idx3-ubyte"), labels = dir.file("t10k-labels-idx1-ubyte");
  TinyResNet() {
    test::write_idx_files(dir.path, 320, 100, 12, 12, 10, false);
    test::write_text(dir.file("r.yaml"),
                     "experiment:\n  name: tiny_predict\n"
                     "model:\n  type: resnet\n  stages: [2, 1]\n  widths: [4, 8]\n  head: per_stage\n"
                     "data:\n  type: idx\n  root: " + dir.path + "\n  batch_size: 32\n  val_fraction: 0.2\n"
                     "train:\n  steps: 100\n  optimizer: adam\n  lr: 0.01\n  threads: 1\n  device: cpu\n"
                     "  log_every: 50\n  warmup_steps: 0\n"
                     "eval:\n  every: 100\n");
    auto r = run_lpa("train --config " + dir.file("r.yaml") + " --run-dir " + run);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
  }
};

}  // namespace

TEST_CASE("cli predict: real early exit from the run and from both exports gives the same rows") {
  TinyResNet t;
  const std::string in = " --input " + t.images + " --labels " + t.labels;
  auto full = run_lpa("predict --run " + t.run + in + " -o " + t.dir.file("full.csv"));
  INFO(full.output);
  REQUIRE(full.exit_code == 0);
  auto rows = read_csv(t.dir.file("full.csv"));
  REQUIRE(rows.size() == 1 + 100);
  CHECK(rows[0] == std::vector<std::string>{"sample", "prediction", "class_index", "sureness", "exit_depth", "label",
                                            "correct"});
  int correct = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    CHECK(column(rows, i, "exit_depth") == "3");
    correct += column(rows, i, "correct") == "1";
  }
  // The test split is the t10k file: the same accuracy as the run's own evaluation at depth 3.
  auto per = read_csv(t.run + "/per_depth.csv");
  CHECK(correct / 100.0 == Approx(std::stod(column(per, 3, "accuracy"))));
  CHECK(contains(full.output, "accuracy"));

  // A low threshold: many samples stop before the last block.
  auto ee = run_lpa("predict --run " + t.run + in + " -o " + t.dir.file("ee.csv") + " --early-exit confidence --threshold 0.3");
  INFO(ee.output);
  REQUIRE(ee.exit_code == 0);
  auto ee_rows = read_csv(t.dir.file("ee.csv"));
  REQUIRE(ee_rows.size() == 101);
  int early = 0;
  for (size_t i = 1; i < ee_rows.size(); ++i) {
    const int d = std::stoi(column(ee_rows, i, "exit_depth"));
    CHECK((d >= 1 && d <= 3));
    if (d < 3) {
      ++early;
      CHECK(std::stod(column(ee_rows, i, "sureness")) >= 0.3);
    }
  }
  CHECK(early > 0);
  CHECK(contains(ee.output, "average exit depth"));
  CHECK(contains(ee.output, "fewer)"));

  // The exports carry every exit and the rule: the same predictions and exit depths.
  for (const std::string format : {"torchscript", "safetensors"}) {
    INFO(format);
    const std::string file = t.dir.file("m." + format);
    auto x = run_lpa("export --run " + t.run + " --depth 3 --format " + format + " -o " + file +
                     " --early-exit confidence --threshold 0.3");
    INFO(x.output);
    REQUIRE(x.exit_code == 0);
    CHECK(contains(x.output, "early exit: confidence >= 0.3 (given threshold)"));
    CHECK(contains(test::read_text(file + ".yaml"), "early_exit:"));
    auto p = run_lpa("predict --model " + file + in + " -o " + t.dir.file(format + ".csv"));
    INFO(p.output);
    REQUIRE(p.exit_code == 0);
    CHECK(contains(p.output, "(stored in the export)"));
    auto got = read_csv(t.dir.file(format + ".csv"));
    REQUIRE(got.size() == ee_rows.size());
    for (size_t i = 1; i < got.size(); ++i) {
      INFO("row " << i);
      CHECK(column(got, i, "prediction") == column(ee_rows, i, "prediction"));
      CHECK(column(got, i, "exit_depth") == column(ee_rows, i, "exit_depth"));
      CHECK(std::stod(column(got, i, "sureness")) == Approx(std::stod(column(ee_rows, i, "sureness"))).margin(1e-5));
    }
  }
  auto ts_other = run_lpa("predict --model " + t.dir.file("m.torchscript") + in + " -o " + t.dir.file("o.csv") +
                          " --early-exit entropy --threshold 1");
  CHECK(ts_other.exit_code == 2);
  CHECK(contains(ts_other.output, "runs the rule compiled into it"));
  // The safetensors export takes another rule: the C++ model is rebuilt with every exit.
  auto st_other = run_lpa("predict --model " + t.dir.file("m.safetensors") + in + " -o " + t.dir.file("o.csv") +
                          " --early-exit confidence --threshold 1.0");
  INFO(st_other.output);
  REQUIRE(st_other.exit_code == 0);
  const auto strict = read_csv(t.dir.file("o.csv"));
  REQUIRE(strict.size() == 101);
  for (size_t i = 1; i < strict.size(); ++i) CHECK((strict[i][4] == "3" || std::stod(strict[i][3]) >= 1.0));

  // Wall clock of real early exit next to full depth, both batch sizes.
  auto b = run_lpa("bench --run " + t.run + " --early-exit confidence --max-drop 100 --runs 8 --batch 32");
  INFO(b.output);
  REQUIRE(b.exit_code == 0);
  auto bench = read_csv(t.run + "/early_exit_bench.csv");
  REQUIRE(bench.size() == 1 + 4);
  CHECK(bench[0] == std::vector<std::string>{"batch", "mode", "samples", "samples_per_s", "speedup", "accuracy",
                                             "avg_depth", "mflops_per_sample", "mflops_ratio"});
  CHECK(bench[1][0] == "1");
  CHECK(bench[1][1] == "full_depth");
  CHECK(bench[2][1] == "early_exit");
  CHECK(bench[2][2] == "8");
  CHECK(bench[3][0] == "32");
  CHECK(bench[4][2] == "100");
  // Allowed to lose 100 points, the calibration stops everything at depth 1.
  CHECK(std::stod(bench[4][6]) == Approx(1.0));
  CHECK(std::stod(bench[4][8]) < 1.0);
  CHECK(std::stod(bench[3][5]) == Approx(correct / 100.0));
}

TEST_CASE("cli predict: documents one per line or per file, and a CSV of features") {
  test::TempDir dir("cli_predict_text");
  namespace fs = std::filesystem;
  fs::create_directories(dir.file("root/ham"));
  fs::create_directories(dir.file("root/spam"));
  for (int i = 0; i < 40; ++i) {
    test::write_text(dir.file("root/ham/" + std::to_string(i) + ".txt"), "see you at the meeting on day " + std::to_string(i));
    test::write_text(dir.file("root/spam/" + std::to_string(i) + ".txt"), "WIN $$$ NOW!!! click " + std::to_string(i));
  }
  test::write_text(dir.file("cls.yaml"),
                   "experiment:\n  name: tiny_cls\n"
                   "model:\n  type: transformer\n  depth: 2\n  width: 16\n  heads: 2\n  causal: false\n"
                   "data:\n  type: text_classification\n  root: " + dir.file("root") + "\n  seq_len: 24\n  batch_size: 16\n"
                   "train:\n  steps: 40\n  lr: 0.003\n  threads: 1\n  device: cpu\n  log_every: 20\n"
                   "eval:\n  every: 40\n");
  REQUIRE(run_lpa("train --config " + dir.file("cls.yaml") + " --run-dir " + dir.file("run")).exit_code == 0);
  test::write_text(dir.file("mails.txt"), "WIN $$$ NOW!!! click here\nsee you at the meeting tomorrow\r\n");
  auto lines = run_lpa("predict --run " + dir.file("run") + " --input " + dir.file("mails.txt") + " -o " + dir.file("p.csv"));
  INFO(lines.output);
  REQUIRE(lines.exit_code == 0);
  auto rows = read_csv(dir.file("p.csv"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[1][0] == "line 1");
  CHECK(rows[1][1] == "spam");
  CHECK(rows[2][1] == "ham");
  fs::create_directories(dir.file("inbox/sub"));
  test::write_text(dir.file("inbox/a.txt"), "WIN $$$ NOW!!! click 7");
  test::write_text(dir.file("inbox/sub/b.txt"), "see you at the meeting on day 3");
  auto folder = run_lpa("predict --run " + dir.file("run") + " --input " + dir.file("inbox") + " -o " + dir.file("f.csv"));
  INFO(folder.output);
  REQUIRE(folder.exit_code == 0);
  rows = read_csv(dir.file("f.csv"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[1][0] == "a.txt");
  CHECK(rows[1][1] == "spam");
  CHECK(rows[2][0] == "sub/b.txt");
  CHECK(rows[2][1] == "ham");

  // A surface: the CSV's header is skipped, one output per row at the depth asked.
  test::write_text(dir.file("tiny.yaml"), test::tiny_surface_yaml("tiny", 30));
  REQUIRE(run_lpa("train --config " + dir.file("tiny.yaml") + " --run-dir " + dir.file("surf")).exit_code == 0);
  test::write_text(dir.file("x.csv"), "x1,x2\n0.1,0.2\n0.5,0.5\n0.9,0.1\n");
  auto d4 = run_lpa("predict --run " + dir.file("surf") + " --input " + dir.file("x.csv") + " -o " + dir.file("s4.csv"));
  auto d1 = run_lpa("predict --run " + dir.file("surf") + " --input " + dir.file("x.csv") + " --depth 1 -o " +
                    dir.file("s1.csv"));
  INFO(d4.output << d1.output);
  REQUIRE(d4.exit_code == 0);
  REQUIRE(d1.exit_code == 0);
  auto s4 = read_csv(dir.file("s4.csv")), s1 = read_csv(dir.file("s1.csv"));
  REQUIRE(s4.size() == 4);
  CHECK(s4[0] == std::vector<std::string>{"sample", "output", "depth"});
  CHECK(s4[1][2] == "4");
  CHECK(s1[1][2] == "1");
  CHECK(s4[1][1] != s1[1][1]);
}

TEST_CASE("cli generate --draft-depth and bench --speculative: the full model's greedy text, faster or not") {
  test::TempDir dir("cli_spec");
  std::string text;
  for (int i = 0; i < 300; ++i) text += "The Congress shall meet " + std::to_string(i % 7) + " times. ";
  test::write_text(dir.file("corpus.txt"), text);
  test::write_text(dir.file("lm.yaml"),
                   "experiment:\n  name: tiny_lm\n"
                   "model:\n  type: transformer\n  depth: 3\n  width: 32\n  heads: 2\n"
                   "data:\n  type: text\n  files: " + dir.file("corpus.txt") + "\n  seq_len: 32\n  batch_size: 16\n"
                   "loss:\n  kind: lpa\n"
                   "train:\n  steps: 60\n  lr: 0.01\n  threads: 1\n  device: cpu\n  log_every: 20\n  warmup_steps: 5\n"
                   "eval:\n  every: 60\n");
  const std::string run = dir.file("run");
  REQUIRE(run_lpa("train --config " + dir.file("lm.yaml") + " --run-dir " + run).exit_code == 0);
  const std::string gen = std::string("(OMP_NUM_THREADS=1 ") + LPA_BINARY + " generate --run " + run +
                          " --prompt 'The Con' --max-tokens 60 --temperature 0";
  auto plain = test::run_shell(gen + " 2>/dev/null)");
  auto spec = test::run_shell(gen + " --draft-depth 1 --draft-tokens 3 2>/dev/null)");
  REQUIRE(plain.exit_code == 0);
  REQUIRE(spec.exit_code == 0);
  CHECK(spec.output == plain.output);
  auto stats = run_lpa("generate --run " + run + " --prompt 'The Con' --max-tokens 20 --temperature 0 --draft-depth 2");
  CHECK(contains(stats.output, "self-speculative: drafts from depth 2, 4 per step"));
  CHECK(contains(stats.output, "acceptance rate"));

  auto b = run_lpa("bench --run " + run + " --speculative --draft-tokens 1,3 --max-tokens 40 --prompt 'The Con'");
  INFO(b.output);
  REQUIRE(b.exit_code == 0);
  auto rows = read_csv(run + "/speculative.csv");
  REQUIRE(rows.size() == 1 + 2 * 2);  // E in 1..2, d in {1, 3}
  CHECK(rows[0] == std::vector<std::string>{"draft_depth", "draft_tokens", "tokens", "tokens_per_s",
                                            "baseline_tokens_per_s", "speedup", "acceptance_rate", "tokens_per_verify",
                                            "identical"});
  for (size_t i = 1; i < rows.size(); ++i) {
    CHECK(rows[i][2] == "40");
    CHECK(rows[i][8] == "1");
    const double a = std::stod(rows[i][6]);
    CHECK((a >= 0 && a <= 1));
  }
  CHECK(contains(b.output, "best: E="));
}
