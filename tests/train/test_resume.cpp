// Exact resume, in process: a run stopped at step k and continued by a fresh Trainer (new
// model, optimiser, sampler, RNG) ends bit for bit where an uninterrupted run ends.
#include <fstream>

#include "catch.h"
#include "lpa/cli/load_run.h"
#include "lpa/config/load.h"
#include "lpa/data/registry.h"
#include "lpa/errors.h"
#include "lpa/io/files.h"
#include "lpa/models/registry.h"
#include "lpa/train/checkpoint.h"
#include "lpa/train/device.h"
#include "lpa/train/trainer.h"
#include "run_state.h"
#include "test_support.h"

using namespace lpa;

namespace {

struct Attempt {
  std::vector<torch::Tensor> weights;
  int64_t step = 0;
};

// One process lifetime: build everything from the config, resume what the run dir holds, train
// until `stop_at` (0 = the end).
Attempt attempt(const ExperimentConfig& cfg, const std::string& dir, int64_t stop_at) {
  configure_threads(1);
  auto data = make_dataset(cfg);
  auto model = cli::build_model(cfg, data->spec());
  Trainer t(cfg, RunDir{dir}, data, model, torch::kCPU);
  t.resume();
  t.run(stop_at);
  Attempt a;
  for (auto& p : model->parameters()) a.weights.push_back(p.detach().clone());
  for (auto& b : model->buffers()) a.weights.push_back(b.detach().clone());
  a.step = t.step();
  return a;
}

}  // namespace

TEST_CASE("resume: interrupted and resumed runs end bit for bit equal") {
  // Each variant exercises one piece of state: Adam moments + warm-up/cosine schedule,
  // SGD momentum + step schedule, dropout and layer drop (LibTorch's RNG), the sequential
  // objective's per-stage schedule, the LPA options, and a mid-epoch sampler position.
  const std::vector<std::vector<std::string>> variants = {
      {"train.warmup_steps=10", "train.schedule=cosine"},
      {"train.optimizer=sgd", "train.momentum=0.9", "train.nesterov=true", "train.schedule=step",
       "train.step_size=20", "train.gamma=0.5", "train.lr=0.05"},
      {"model.dropout=0.2", "loss.layer_drop=0.3", "train.optimizer=adamw", "train.weight_decay=0.01"},
      {"loss.mode=sequential", "train.grad_clip=0.5"},
      // The objective's own state (adaptive weights' loss averages) and its step-dependent options.
      {"loss.weights=adaptive", "loss.adaptive_decay=0.5", "loss.distill_alpha=0.3",
       "loss.gradient_equilibrium=true", "loss.curriculum=gradual", "loss.e2e_fraction=0.2",
       "loss.final_weight=2", "loss.aux_ramp=0.5", "model.head=per_depth",
       "loss.head_gradient=normalised"},
      // Mixed precision: the forward pass under bfloat16 autocast.
      {"train.precision=bf16"},
  };
  for (const auto& overrides : variants) {
    auto cfg = parse_config(test::tiny_surface_yaml("resume", 90), "t.yaml", overrides);
    INFO("overrides: " << overrides.front() << " ...");
    test::TempDir whole("resume_whole"), parts("resume_parts");
    Attempt ref = attempt(cfg, whole.path, 0);
    REQUIRE(ref.step == 90);
    // Stops at 23 (mid-epoch: 8 batches per epoch) and 61, each in a fresh "process".
    CHECK(attempt(cfg, parts.path, 23).step == 23);
    CHECK(attempt(cfg, parts.path, 61).step == 61);
    Attempt resumed = attempt(cfg, parts.path, 0);
    CHECK(resumed.step == 90);
    CHECK(test::bitwise_equal(ref.weights, resumed.weights));
    // The logs hold each step once, with the same losses.
    auto a = test::csv_rows(whole.file("train_log.csv")), b = test::csv_rows(parts.file("train_log.csv"));
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i)
      for (size_t c = 0; c + 2 < a[i].size(); ++c) CHECK(a[i][c] == b[i][c]);  // all but speed, time
    CHECK(test::read_text(whole.file("curves.csv")) == test::read_text(parts.file("curves.csv")));
  }
}

// Data-parallel ranks must not share dropout masks or augmentation draws: each rank reseeds its
// stream per step from (seed, rank, step). Two ranks run here in turn (no communicator needed
// for what is checked); what they would draw next must differ, and repeat for the same rank.
TEST_CASE("trainer: data-parallel ranks draw their own random streams") {
  auto cfg = parse_config(test::tiny_surface_yaml("rank_seed", 5), "t.yaml", {"model.dropout=0.2"});
  auto next_draws = [&](int64_t rank) {
    test::TempDir dir("rank_seed");
    configure_threads(1);
    auto data = make_dataset(cfg);
    auto model = cli::build_model(cfg, data->spec());
    Parallelism p;
    p.rank = rank;
    p.world_size = 2;
    Trainer t(cfg, RunDir{dir.path}, data, model, torch::kCPU, p);
    t.run();
    return torch::rand({8});
  };
  const torch::Tensor rank0 = next_draws(0), rank1 = next_draws(1);
  CHECK_FALSE(torch::equal(rank0, rank1));
  CHECK(torch::equal(next_draws(1), rank1));
}

TEST_CASE("resume: half-written log rows and partial checkpoint files are cleaned up") {
  auto cfg = parse_config(test::tiny_surface_yaml("resume", 40), "t.yaml", {"train.checkpoint_every=10"});
  test::TempDir whole("resume_clean_whole"), parts("resume_clean_parts");
  Attempt ref = attempt(cfg, whole.path, 0);
  attempt(cfg, parts.path, 20);
  // What a kill -9 can leave: rows past the checkpoint, half a row, a temporary checkpoint.
  {
    std::ofstream log(parts.file("train_log.csv"), std::ios::app | std::ios::binary);
    log << "30,0,0.005,9.9,1,1,1,1,100,1\r\n40,0,0.0";
  }
  test::write_text(parts.file("checkpoints/.partial_step_00000030.pt"), "half");
  Attempt resumed = attempt(cfg, parts.path, 0);
  CHECK(test::bitwise_equal(ref.weights, resumed.weights));
  CHECK_FALSE(file_exists(parts.file("checkpoints/.partial_step_00000030.pt")));
  auto a = test::csv_rows(whole.file("train_log.csv")), b = test::csv_rows(parts.file("train_log.csv"));
  REQUIRE(a.size() == b.size());
  for (size_t i = 1; i < a.size(); ++i) CHECK(a[i][3] == b[i][3]);  // same loss at each logged step
}

TEST_CASE("resume: a corrupt newest checkpoint is set aside and the older one used") {
  auto cfg = parse_config(test::tiny_surface_yaml("resume", 40), "t.yaml", {"train.checkpoint_every=10"});
  test::TempDir whole("resume_corrupt_whole"), parts("resume_corrupt_parts");
  Attempt ref = attempt(cfg, whole.path, 0);
  attempt(cfg, parts.path, 30);
  auto files = list_checkpoints(parts.file("checkpoints"));
  REQUIRE(files.size() == 2);  // keep_checkpoints: 2 -> steps 30 and 20
  test::write_text(files[0], "not a checkpoint");
  Attempt resumed = attempt(cfg, parts.path, 0);
  CHECK(test::bitwise_equal(ref.weights, resumed.weights));
  CHECK(file_exists(files[0] + ".unreadable"));
  auto data = make_dataset(cfg);
  for (const auto& f : list_checkpoints(parts.file("checkpoints"))) {
    auto fresh = cli::build_model(cfg, data->spec());
    CHECK_NOTHROW(load_checkpoint(f, *fresh, nullptr));
  }
}

TEST_CASE("checkpoint: foreign files are refused with the reason") {
  test::TempDir dir("ckpt_foreign");
  auto cfg = parse_config("model:\n  depth: 2\n  width: 4\n", "t.yaml");
  DataSpec spec;
  spec.input_shape = {2};
  auto small = make_model(cfg, spec);
  // A LibTorch archive that is not an lpa checkpoint.
  torch::serialize::OutputArchive other;
  other.write("weights", torch::ones({2}));
  other.save_to(dir.file("step_00000005.pt"));
  CHECK_THROWS_WITH(load_checkpoint(dir.file("step_00000005.pt"), *small, nullptr), Catch::Contains("not an lpa checkpoint"));
  // An lpa checkpoint of a differently shaped model.
  auto wide_cfg = parse_config("model:\n  depth: 2\n  width: 8\n", "t.yaml");
  auto wide = make_model(wide_cfg, spec);
  save_checkpoint(dir.path, *wide, nullptr, {7, 0, 0, capture_rng(), {}, 0.0, {}, {}}, 5);
  CHECK_THROWS_WITH(load_checkpoint(dir.file("step_00000007.pt"), *small, nullptr), Catch::Contains("in this model"));
  // The directory as a whole: nothing readable is a user error naming the newest problem.
  CHECK_THROWS_AS(load_latest_checkpoint(dir.path, *small, nullptr), UserError);
  CHECK_THROWS_WITH(load_latest_checkpoint(dir.path, *small, nullptr), Catch::Contains("step_00000007.pt"));
  // A generator state of the wrong size (LibTorch would refuse it only in restore_rng).
  TrainingState bad_rng;
  bad_rng.step = 8;
  bad_rng.cpu_rng = torch::zeros({3}, torch::kUInt8);
  save_checkpoint(dir.path, *small, nullptr, bad_rng, 5);
  CHECK_THROWS_WITH(load_checkpoint(dir.file("step_00000008.pt"), *small, nullptr),
                    "cpu_rng is not a LibTorch CPU generator state ([3])");
  // Bytes that are not a zip archive (from fuzz_checkpoint; LibTorch's reader leaks there,
  // tests/sanitize/lsan.supp): the directory is refused as a user error.
  test::write_text(dir.file("step_00000009.pt"), test::fuzz_input("checkpoint", "crash-leak-not-a-zip"));
  CHECK_THROWS_AS(load_latest_checkpoint(dir.path, *small, nullptr), UserError);
  // Altered bytes inside the archive (from fuzz_checkpoint: LibTorch's unpickler crashed on
  // them, SEGV) are refused by their CRC-32 before LibTorch reads them; guards
  // verify_archive_checksums in train/checkpoint.cpp.
  test::write_text(dir.file("step_00000010.pt"), test::fuzz_input("checkpoint", "crash-segv-unpickler"));
  CHECK_THROWS_WITH(load_checkpoint(dir.file("step_00000010.pt"), *small, nullptr),
                    Catch::Contains("corrupt archive: "));
  CHECK_THROWS_WITH(load_checkpoint(dir.file("step_00000009.pt"), *small, nullptr),
                    Catch::Contains("corrupt archive") || Catch::Contains("not a LibTorch archive"));
  // The same crash reached through a directory offset altered to zip64's 0xFFFFFFFF, which the
  // check used to leave to LibTorch: it now reads the directory from the zip64 records (LibTorch
  // writes them) and finds the altered bytes.
  test::write_text(dir.file("step_00000011.pt"), test::fuzz_input("checkpoint", "crash-segv-zip64-claim"));
  CHECK_THROWS_WITH(load_checkpoint(dir.file("step_00000011.pt"), *small, nullptr),
                    Catch::Contains("corrupt archive: ") && Catch::Contains("CRC-32"));
  // The wide model reads its own back.
  CHECK(load_checkpoint(dir.file("step_00000007.pt"), *wide, nullptr).step == 7);
}
