// The charts of `lpa plot --kind ...` built from run files written by hand: which file, which
// columns, which rows become which series.
#include "catch.h"
#include "lpa/cli/run_plots.h"
#include "lpa/config/load.h"
#include "lpa/errors.h"
#include "test_support.h"

using namespace lpa;
using cli::OpenedRun;

namespace {

OpenedRun run_in(const test::TempDir& dir, const std::string& name, const std::vector<std::string>& sets = {}) {
  const std::string path = dir.file(name);
  test::run_shell("mkdir -p " + path);
  return {path, RunDir{path}, parse_config("", "x.yaml", sets)};
}

const char* kPerDepth =
    "split,depth,accuracy,nll,params,mflops_per_sample\r\n"
    "test,1,0.5,1.2,100,0.5\r\ntest,2,0.7,0.9,200,1\r\ntest,3,0.8,0.6,300,1.5\r\n"
    "val,1,0.45,1.3,100,0.5\r\n";

}  // namespace

TEST_CASE("run plots: depth, one series per run, labelled by what differs") {
  test::TempDir dir("plots");
  auto a = run_in(dir, "a", {"train.seed=1"}), b = run_in(dir, "b", {"train.seed=2"});
  test::write_text(a.dir.per_depth(), kPerDepth);
  test::write_text(b.dir.per_depth(), kPerDepth);
  const PlotSpec s = cli::depth_plot({a, b}, "test", "");
  REQUIRE(s.series.size() == 2);
  CHECK(s.x_integer);
  CHECK(s.y_label == "accuracy");  // the first metric column
  CHECK(s.series[0].label == "train.seed=1");
  CHECK(s.series[1].label == "train.seed=2");
  CHECK(s.series[0].x == std::vector<double>{1, 2, 3});
  CHECK(s.series[0].y == std::vector<double>{0.5, 0.7, 0.8});
  CHECK(cli::depth_plot({a}, "val", "nll").series[0].y == std::vector<double>{1.3});
  CHECK_THROWS_WITH(cli::depth_plot({a}, "test", "top5"), Catch::Contains("no column 'top5'"));
  CHECK_THROWS_WITH(cli::depth_plot({a}, "train", ""), Catch::Contains("no rows for the train split"));
}

TEST_CASE("run plots: curves of the training loss at depths 1, N/4, N/2, N, or of a val metric") {
  test::TempDir dir("plots");
  auto a = run_in(dir, "a");
  std::string log = "step,epoch,lr,loss";
  for (int d = 1; d <= 12; ++d) log += ",loss_d" + std::to_string(d);
  log += ",samples_per_s,elapsed_s\r\n";
  for (int step : {10, 20}) {
    log += std::to_string(step) + ",0,0.1,1";
    for (int d = 1; d <= 12; ++d) log += "," + std::to_string(d * 100 + step);
    log += ",5,1\r\n";
  }
  test::write_text(a.dir.train_log(), log);
  PlotSpec s = cli::curves_plot({a}, "", "");
  REQUIRE(s.series.size() == 4);
  CHECK(s.series[0].label == "depth 1");
  CHECK(s.series[3].label == "depth 12");
  CHECK(s.series[1].x == std::vector<double>{10, 20});
  CHECK(s.series[1].y == std::vector<double>{310, 320});  // depth 3 = 12/4
  CHECK(s.series[2].y == std::vector<double>{610, 620});  // depth 6 = 12/2
  CHECK(cli::curves_plot({a}, "", "3,5").series[1].y == std::vector<double>{510, 520});

  test::write_text(a.dir.curves(),
                   "step,epoch,split,depth,mse\r\n20,0,val,1,0.5\r\n20,0,val,2,0.25\r\n40,0,val,1,0.4\r\n"
                   "40,0,val,2,0.2\r\n");
  s = cli::curves_plot({a}, "mse", "2");
  REQUIRE(s.series.size() == 1);
  CHECK(s.series[0].x == std::vector<double>{20, 40});
  CHECK(s.series[0].y == std::vector<double>{0.25, 0.2});
  CHECK_THROWS_WITH(cli::curves_plot({run_in(dir, "none")}, "", ""), Catch::Contains("train_log.csv: missing"));
}

TEST_CASE("run plots: early exit against the average depth or MFLOPs, with the fixed depths") {
  test::TempDir dir("plots");
  auto a = run_in(dir, "a");
  test::write_text(a.dir.per_depth(), kPerDepth);
  test::write_text(a.dir.file("early_exit.csv"),
                   "split,threshold,accuracy,avg_depth,avg_mflops,exit_d1,exit_d2,exit_d3,calibrated\r\n"
                   "val,0.9,0.6,1.5,0.75,0.5,0.5,0,0\r\n"
                   "test,0.9,0.79,2.5,1.25,0,0.5,0.5,1\r\n"
                   "test,0.5,0.62,1.2,0.6,0.8,0.2,0,0\r\n");
  PlotSpec s = cli::early_exit_plot({a}, "test", "depth");
  REQUIRE(s.series.size() == 2);
  CHECK(s.series[0].label == "early exit");
  CHECK(s.series[0].x == std::vector<double>{1.2, 2.5});  // sorted by x
  CHECK(s.series[0].y == std::vector<double>{0.62, 0.79});
  CHECK(s.series[1].label == "fixed depth");
  CHECK(s.series[1].x == std::vector<double>{1, 2, 3});
  s = cli::early_exit_plot({a}, "test", "mflops");
  CHECK(s.series[0].x == std::vector<double>{0.6, 1.25});
  CHECK(s.series[1].x == std::vector<double>{0.5, 1, 1.5});
  CHECK_FALSE(s.x_integer);
  CHECK_THROWS_WITH(cli::early_exit_plot({a}, "test", "time"), Catch::Contains("--x is depth or mflops"));
}

TEST_CASE("run plots: latency, one point per depth at its batch-1 median") {
  test::TempDir dir("plots");
  auto a = run_in(dir, "a");
  test::write_text(a.dir.per_depth(), kPerDepth);
  CHECK_THROWS_WITH(cli::latency_plot({a}, "test", ""), Catch::Contains("latency.csv: missing (written by lpa bench)"));
  test::write_text(a.dir.file("latency.csv"),
                   "depth,batch,median_ms,p90_ms,samples_per_s,mflops_per_sample\r\n"
                   "1,1,0.3,0.4,3000,0.5\r\n1,64,2,3,30000,0.5\r\n"
                   "3,1,0.9,1,1100,1.5\r\n3,64,6,7,10000,1.5\r\n");
  const PlotSpec s = cli::latency_plot({a}, "test", "");
  REQUIRE(s.series.size() == 1);
  CHECK(s.series[0].x == std::vector<double>{0.3, 0.9});  // depth 2 was not timed
  CHECK(s.series[0].y == std::vector<double>{0.5, 0.8});
}

TEST_CASE("run plots: per_depth.svg has a series per split of per_depth.csv") {
  test::TempDir dir("plots");
  auto a = run_in(dir, "a");
  test::write_text(a.dir.config(), config_to_yaml(a.cfg));
  test::write_text(a.dir.per_depth(), kPerDepth);
  cli::write_per_depth_svg(a.dir);
  const std::string svg = test::read_text(a.dir.file("per_depth.svg"));
  CHECK(svg.find(">test split</text>") != std::string::npos);
  CHECK(svg.find(">val split</text>") != std::string::npos);
}
