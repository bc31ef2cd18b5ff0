// Probes (src/lpa/objectives/probe.cpp, src/lpa/cli/probe_source.cpp), in process: a probe run
// of a trained E2E ResNet changes nothing but the shallow heads (BatchNorm statistics
// included), trains those, keeps the deepest exit exactly as trained, and resumes bit for bit
// from its own checkpoints without the source run.
#include <filesystem>

#include "catch.h"
#include "image_fixtures.h"
#include "lpa/cli/load_run.h"
#include "lpa/cli/probe_source.h"
#include "lpa/config/load.h"
#include "lpa/data/registry.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/objectives/probe.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/device.h"
#include "lpa/train/trainer.h"
#include "run_state.h"
#include "test_support.h"

using namespace lpa;

namespace {

// A pre-activation ResNet (BatchNorm in every block and one in every exit's head) with a head
// per depth, on 12x12 IDX images: 3 blocks, so exits 1 and 2 get probes.
std::string resnet_yaml(const std::string& images, const std::string& loss, int steps) {
  return "experiment:\n  name: probe\n"
         "model:\n  type: resnet\n  stages: [2, 1]\n  widths: [4, 8]\n  preact: true\n  head: per_depth\n"
         "data:\n  type: idx\n  root: " + images + "\n  batch_size: 32\n  val_fraction: 0.2\n"
         "loss:\n" + loss +
         "train:\n  steps: " + std::to_string(steps) + "\n  lr: 0.01\n  threads: 1\n  device: cpu\n"
         "  log_every: 1\n  warmup_steps: 0\n  checkpoint_every: 10\n"
         "eval:\n  every: 50\n";
}

// One process lifetime of `lpa train`, as train_cmd does it: a fresh probe run starts from the
// source's model, any run resumes what its directory holds, records its config, then trains up
// to `stop_at`.
void train(const ExperimentConfig& cfg, const std::string& dir, int64_t stop_at = 0) {
  configure_threads(1);
  std::filesystem::create_directories(dir);
  auto data = make_dataset(cfg);
  auto model = cli::build_model(cfg, data->spec());
  if (!cfg.train.probe_from.empty() && list_checkpoints(dir + "/checkpoints").empty())
    cli::load_probe_source(cfg, data->spec(), *model);
  Trainer t(cfg, RunDir{dir}, data, model, torch::kCPU);
  t.resume();
  write_file_atomic(dir + "/config.yaml", config_to_yaml(cfg));
  t.run(stop_at);
}

// A fresh probe run of `cfg` (heads per depth) seeded from `source_dir`: before any probe step
// every depth predicts on x exactly as the source run does (eval mode: running statistics).
void check_probe_starts_as_source(const ExperimentConfig& cfg, const std::string& source_dir, const torch::Tensor& x) {
  auto data = make_dataset(cfg);
  auto probe = cli::build_model(cfg, data->spec());
  cli::load_probe_source(cfg, data->spec(), *probe);
  auto source = cli::load_trained_run(source_dir, "cpu");
  probe->eval();
  source.model->eval();
  torch::NoGradGuard g;
  for (int64_t l = 1; l <= probe->depth(); ++l) {
    INFO("depth " << l);
    CHECK(torch::equal(probe->forward(x, l), source.model->forward(x, l)));
  }
}

std::vector<torch::Tensor> tensors_of(torch::nn::Module& m) {
  std::vector<torch::Tensor> v;
  for (auto& p : m.parameters()) v.push_back(p.detach().clone());
  for (auto& b : m.buffers()) v.push_back(b.detach().clone());
  return v;
}

// Everything the probe run must leave alone: stem, blocks, the deepest head (index 0), and the
// shallow heads (1..N-1), separately.
struct Pieces {
  std::vector<torch::Tensor> backbone, deepest_head;
  std::vector<std::vector<torch::Tensor>> shallow_heads;
};

Pieces pieces_of(const std::string& run_dir) {
  auto run = cli::load_trained_run(run_dir, "cpu");
  DepthwiseModel& m = *run.model;
  Pieces p;
  p.backbone = tensors_of(m.stem_module());
  for (int64_t l = 1; l <= m.depth(); ++l)
    for (auto& t : tensors_of(m.block_module(l))) p.backbone.push_back(t);
  p.deepest_head = tensors_of(m.head_module(m.depth()));
  for (int64_t l = 1; l < m.depth(); ++l) p.shallow_heads.push_back(tensors_of(m.head_module(l)));
  return p;
}

double log_value(const std::vector<std::vector<std::string>>& rows, size_t row, const std::string& column) {
  const auto& h = rows.at(0);
  const size_t c = static_cast<size_t>(std::find(h.begin(), h.end(), column) - h.begin());
  return std::stod(rows.at(row).at(c));
}

}  // namespace

// Guards Probe::begin_step's freezing (set_trainable(m, false)), the deepest head left out of
// `trained_`, and load_probe_source's copy of the source's tensors.
TEST_CASE("probes: backbone and BatchNorm statistics as trained, shallow heads trained, exit N kept") {
  test::TempDir dir("probe_resnet");
  std::filesystem::create_directories(dir.file("images"));
  test::write_idx_files(dir.file("images"), 320, 100, 12, 12, 10, true);
  const auto source_cfg = parse_config(resnet_yaml(dir.file("images"), "  kind: e2e\n", 30), "e2e.yaml");
  train(source_cfg, dir.file("e2e"));
  const auto probe_cfg = parse_config(resnet_yaml(dir.file("images"), "  kind: e2e\n", 30), "e2e.yaml",
                                      {"train.probe_from=" + dir.file("e2e")});
  train(probe_cfg, dir.file("probe"));

  const Pieces before = pieces_of(dir.file("e2e")), after = pieces_of(dir.file("probe"));
  CHECK(test::bitwise_equal(before.backbone, after.backbone));  // running statistics included
  CHECK(test::bitwise_equal(before.deepest_head, after.deepest_head));
  REQUIRE(after.shallow_heads.size() == 2);
  for (size_t l = 0; l < 2; ++l) CHECK_FALSE(test::bitwise_equal(before.shallow_heads[l], after.shallow_heads[l]));

  // The shallow exits learn: their training losses fall (means of the first and last 5 steps).
  auto log = test::csv_rows(dir.file("probe/train_log.csv"));
  REQUIRE(log.size() == 31);
  for (const char* d : {"loss_d1", "loss_d2", "loss"}) {
    INFO(d);
    double first = 0, last = 0;
    for (size_t r = 1; r <= 5; ++r) first += log_value(log, r, d), last += log_value(log, 31 - r, d);
    CHECK(last < first);
  }
  // A probe run's objective line names it (and the E2E source's logs look nothing like it).
  CHECK(make_objective(probe_cfg, Task::classification, 3)->describe().rfind("probes on the frozen model of", 0) == 0);
}

// Guards the checkpoint holding the whole probe model: resumed with the source run gone, the
// interrupted probe run ends where the uninterrupted one does.
TEST_CASE("probes: an interrupted probe run resumes bit for bit without its source") {
  test::TempDir dir("probe_resume");
  std::filesystem::create_directories(dir.file("images"));
  test::write_idx_files(dir.file("images"), 320, 100, 12, 12, 10, true);
  train(parse_config(resnet_yaml(dir.file("images"), "  kind: e2e\n", 20), "e2e.yaml"), dir.file("e2e"));
  const auto cfg = parse_config(resnet_yaml(dir.file("images"), "  kind: e2e\n", 25), "p.yaml",
                                {"train.probe_from=" + dir.file("e2e")});
  train(cfg, dir.file("whole"));
  train(cfg, dir.file("parts"), 13);
  std::filesystem::remove_all(dir.file("e2e"));
  train(cfg, dir.file("parts"));
  CHECK(test::bitwise_equal(test::run_weights(dir.file("whole")), test::run_weights(dir.file("parts"))));
  auto a = test::csv_rows(dir.file("whole/train_log.csv")), b = test::csv_rows(dir.file("parts/train_log.csv"));
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t c = 0; c + 2 < a[i].size(); ++c) CHECK(a[i][c] == b[i][c]);  // all but speed, time
}

// Guards load_probe_source's copy exit by exit (DepthwiseModel::exit_tensors): a source head
// per stage holds the per-exit norms and adapters of all its exits, a probe's head per depth
// only its own, so before any probe step every depth must predict exactly as the source does.
TEST_CASE("probes: from heads per stage with per-exit norms and adapters, every exit starts as trained") {
  test::TempDir dir("probe_per_stage");
  std::filesystem::create_directories(dir.file("images"));
  test::write_idx_files(dir.file("images"), 320, 100, 12, 12, 10, true);
  std::string yaml = resnet_yaml(dir.file("images"), "  kind: lpa\n  weights: uniform\n", 12);
  const std::string per_depth = "  head: per_depth\n";
  yaml.replace(yaml.find(per_depth), per_depth.size(), "  head: per_stage\n  exit_width: 3\n");
  train(parse_config(yaml, "src.yaml"), dir.file("src"));

  const auto cfg = parse_config(yaml, "p.yaml", {"train.probe_from=" + dir.file("src"), "model.head=per_depth"});
  check_probe_starts_as_source(cfg, dir.file("src"), torch::randn({6, 1, 12, 12}));
}

// The same for the residual MLP: a shared head holds every exit's adapter (model.exit_width), a
// probe's head per depth only its own under the same names.
TEST_CASE("probes: from a shared MLP head with adapters, every exit starts as trained") {
  test::TempDir dir("probe_mlp_adapters");
  const std::string yaml =
      "experiment:\n  name: probe_mlp\n"
      "model:\n  type: residual_mlp\n  depth: 3\n  width: 8\n  head: shared\n  exit_width: 4\n"
      "data:\n  type: surface\n  function: franke\n  n_train: 128\n  n_val: 32\n  n_test: 32\n  batch_size: 32\n"
      "loss:\n  kind: lpa\n  weights: uniform\n"
      "train:\n  steps: 8\n  lr: 0.01\n  threads: 1\n  device: cpu\n  warmup_steps: 0\n"
      "eval:\n  every: 50\n";
  train(parse_config(yaml, "src.yaml"), dir.file("src"));
  const auto cfg = parse_config(yaml, "p.yaml", {"train.probe_from=" + dir.file("src"), "model.head=per_depth"});
  check_probe_starts_as_source(cfg, dir.file("src"), torch::rand({6, 2}));
}

// Guards probe_trained_exits: heads shared with the deepest exit are not trained; nothing left
// to train is refused.
TEST_CASE("probes: which heads train, per head layout") {
  auto exits = [](const std::string& model_yaml, const std::string& data_yaml = "") {
    auto cfg = parse_config("model:\n" + model_yaml + data_yaml, "m.yaml", {"train.probe_from=somewhere"});
    DataSpec spec;
    spec.input_shape = data_yaml.empty() ? std::vector<int64_t>{2} : std::vector<int64_t>{1, 8, 8};
    spec.output_dim = 3;
    if (!data_yaml.empty()) spec.task = Task::classification;
    auto model = cli::build_model(cfg, spec);
    return probe_trained_exits(*model, cfg);
  };
  CHECK(exits("  depth: 4\n  width: 8\n  head: per_depth\n") == std::vector<bool>{true, true, true, false});
  // ResNet heads per stage: the exits of the last stage read exit N's head and keep it.
  const std::string images = "data:\n  type: cifar10\n";
  CHECK(exits("  type: resnet\n  stages: [2, 1]\n  widths: [4, 8]\n  head: per_stage\n", images) ==
        std::vector<bool>{true, true, false});
  CHECK(exits("  type: resnet\n  stages: [1, 2]\n  widths: [4, 8]\n  head: per_stage\n", images) ==
        std::vector<bool>{true, false, false});
  try {
    exits("  depth: 4\n  width: 8\n  head: shared\n");
    FAIL("a shared head was accepted");
  } catch (const UserError& e) {
    CHECK(std::string(e.what()).find("m.yaml:4: model.head: shared heads leave a probe run") == 0);
  }
  CHECK_THROWS_AS(exits("  depth: 1\n  width: 8\n  head: per_depth\n"), UserError);
}
