// End-to-end: lpa export / eval --model / eval --early-exit / bench on a tiny trained run.
#include <yaml-cpp/yaml.h>

#include "catch.h"
#include "lpa/export/safetensors.h"
#include "lpa/io/csv_writer.h"
#include "test_support.h"

using namespace lpa;
using lpa::test::run_lpa;

namespace {

struct TrainedTiny {
  test::TempDir dir{"export"};
  std::string run = dir.file("run");
  TrainedTiny() {
    const std::string config = dir.file("tiny.yaml");
    test::write_text(config, test::tiny_surface_yaml("tiny", 60));
    auto r = run_lpa("train --config " + config + " --run-dir " + run);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
  }
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

double max_abs_diff(const std::string& a, const std::string& b, const std::string& name) {
  auto fa = read_safetensors(a), fb = read_safetensors(b);
  torch::Tensor ta, tb;
  for (auto& [n, t] : fa.tensors)
    if (n == name) ta = t;
  for (auto& [n, t] : fb.tensors)
    if (n == name) tb = t;
  REQUIRE(ta.defined());
  REQUIRE(tb.defined());
  REQUIRE(ta.sizes() == tb.sizes());
  return (ta - tb).abs().max().item<double>();
}

}  // namespace

TEST_CASE("cli export: both formats at depth k predict what the run predicts at k") {
  TrainedTiny t;
  auto pt = run_lpa("export --run " + t.run + " --depth 2 -o " + t.dir.file("m2.pt"));
  INFO(pt.output);
  REQUIRE(pt.exit_code == 0);
  CHECK(contains(pt.output, "exported residual_mlp at depth 2 of 4 (torchscript)"));
  auto st = run_lpa("export --run " + t.run + " --depth 2 --format safetensors -o " + t.dir.file("m2.safetensors"));
  REQUIRE(st.exit_code == 0);
  REQUIRE(run_lpa("export --run " + t.run + " --depth 4 -o " + t.dir.file("m4.pt")).exit_code == 0);

  const std::string sidecar = test::read_text(t.dir.file("m2.pt.yaml"));
  CHECK(contains(sidecar, "format: lpa-export"));
  CHECK(contains(sidecar, "depth: 2"));
  CHECK(contains(sidecar, "full_depth: 4"));
  CHECK(contains(sidecar, "shape: [2]"));
  CHECK(contains(sidecar, "test:"));
  CHECK(contains(sidecar, "run: /"));
  CHECK(test::read_text(t.dir.file("m2.safetensors.yaml")).find("file_format: safetensors") != std::string::npos);
  // No dead weights: the depth-2 file is smaller than the full one.
  CHECK(test::read_text(t.dir.file("m2.pt")).size() < test::read_text(t.dir.file("m4.pt")).size());
  auto tensors = read_safetensors(t.dir.file("m2.safetensors")).tensors;
  for (const auto& [name, tensor] : tensors) {
    INFO(name);
    CHECK((name.rfind("stem.", 0) == 0 || name.rfind("block1.", 0) == 0 || name.rfind("block2.", 0) == 0 ||
           name.rfind("head.", 0) == 0));
  }

  // Same outputs as the run at depth 2, from both files, read back by lpa itself.
  const std::string ref = t.dir.file("ref.safetensors");
  REQUIRE(run_lpa("eval --run " + t.run + " --depths 2 --save-outputs " + ref).exit_code == 0);
  for (const std::string file : {"m2.pt", "m2.safetensors"}) {
    const std::string out = t.dir.file(file + ".out");
    auto r = run_lpa("eval --model " + t.dir.file(file) + " --save-outputs " + out);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.output, "recorded at export"));
    CHECK(max_abs_diff(ref, out, "outputs_d2") <= 1e-6);
    CHECK(max_abs_diff(ref, out, "inputs") == 0.0);
  }
  // The recorded test metric is the run's own at depth 2.
  REQUIRE(run_lpa("eval --run " + t.run + " --depths 2").exit_code == 0);
  auto per = read_csv(t.run + "/per_depth.csv");
  REQUIRE(per.size() == 2);
  REQUIRE(per[0][2] == "mse");
  CHECK(YAML::LoadFile(t.dir.file("m2.pt.yaml"))["metrics"]["test"]["mse"].as<double>() ==
        Approx(std::stod(per[1][2])).epsilon(1e-6));
}

TEST_CASE("cli export: depth auto chooses on validation and reports the reduction") {
  TrainedTiny t;
  auto r = run_lpa("export --run " + t.run + " --depth auto --tolerance 1000 -o " + t.dir.file("small.pt"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // A tolerance of 1000% accepts depth 1.
  CHECK(contains(r.output, "depth auto: depth 1 of 4: val mse"));
  CHECK(contains(r.output, "fewer)"));
  CHECK(contains(test::read_text(t.dir.file("small.pt.yaml")), "depth_choice:"));
  auto strict = run_lpa("export --run " + t.run + " --depth auto --tolerance 0 -o " + t.dir.file("best.pt"));
  REQUIRE(strict.exit_code == 0);
  CHECK(contains(strict.output, "tolerance 0% relative"));
}

TEST_CASE("cli export, eval --model, early exit: bad input exits 2 with a clear message") {
  TrainedTiny t;
  auto expect = [&](const std::string& args, const std::string& message) {
    auto r = run_lpa(args);
    INFO(args << "\n" << r.output);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, message));
  };
  const std::string out = " -o " + t.dir.file("x.pt");
  expect("export --run " + t.run + " --depth 0" + out, "--depth 0 is out of range 1..4");
  expect("export --run " + t.run + " --depth 5" + out, "--depth 5 is out of range 1..4");
  expect("export --run " + t.run + " --depth two" + out, "must be a number 1..4 or auto");
  expect("export --run " + t.run + " --depth 2 --format onnx" + out, "unknown --format 'onnx'");
  expect("export --run " + t.run + " --depth 2 --format safetensor" + out, "did you mean safetensors?");
  CHECK_FALSE(test::run_shell("ls " + t.dir.file("x.pt")).exit_code == 0);  // nothing written

  test::write_text(t.dir.file("notes.txt"), "hello");
  expect("eval --model " + t.dir.file("notes.txt"), "not an lpa export");
  write_safetensors(t.dir.file("plain.safetensors"), {{"w", torch::ones({2})}});
  expect("eval --model " + t.dir.file("plain.safetensors"), "a safetensors file, but not an lpa export");
  expect("eval --model " + t.dir.file("missing.pt"), "no such file");
  expect("eval --model " + t.run + "/checkpoints/step_00000060.pt", "not an lpa export");
  expect("eval --run " + t.run + " --early-exit confidence --target-accuracy 0.9",
         "early exit needs a classifier; this run's task is regression");
  expect("eval --run " + t.run + " --early-exit margin --target-accuracy 0.9", "not confidence or entropy");
  expect("eval", "--run DIR (a trained run) or --model FILE");
}

TEST_CASE("cli bench: latency.csv has both batch sizes for every depth") {
  TrainedTiny t;
  auto r = run_lpa("bench --run " + t.run + " --runs 5 --warmup 1 --batch 16");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto csv = read_csv(t.run + "/latency.csv");
  REQUIRE(csv.size() == 1 + 8);
  CHECK(csv[0] == std::vector<std::string>{"depth", "batch", "median_ms", "p90_ms", "samples_per_s", "mflops_per_sample"});
  for (size_t i = 1; i < csv.size(); ++i) {
    CHECK(std::stoll(csv[i][0]) == static_cast<long long>((i + 1) / 2));
    CHECK(csv[i][1] == (i % 2 ? "1" : "16"));
    CHECK(std::stod(csv[i][2]) > 0);
    CHECK(std::stod(csv[i][3]) >= std::stod(csv[i][2]));
  }
  // MFLOPs grow with depth.
  CHECK(std::stod(csv[7][5]) > std::stod(csv[1][5]));

  const std::string config = t.dir.file("tiny.yaml");
  auto c = run_lpa("bench --config " + config + " --depths 1,4 --runs 3 --warmup 0 --batch 8 -o " +
                   t.dir.file("lat.csv"));
  INFO(c.output);
  REQUIRE(c.exit_code == 0);
  CHECK(read_csv(t.dir.file("lat.csv")).size() == 1 + 4);
  auto bad = run_lpa("bench --run " + t.run + " --config " + config);
  CHECK(bad.exit_code == 2);
}
