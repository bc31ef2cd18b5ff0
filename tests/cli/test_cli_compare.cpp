// End-to-end: lpa compare and lpa plot on tiny trained runs; lpa train leaves per_depth.svg.
#include <algorithm>

#include "catch.h"
#include "lpa/io/csv_writer.h"
#include "svg_checks.h"
#include "test_support.h"

using namespace lpa;
using lpa::test::run_lpa;

namespace {

struct TwoRuns {
  test::TempDir dir{"compare"};
  std::string a = dir.file("a"), b = dir.file("b");
  TwoRuns() {
    test::write_text(dir.file("tiny.yaml"), test::tiny_surface_yaml("tiny", 20));
    for (const auto& [run, extra] : {std::pair{a, ""}, std::pair{b, " --set model.width=24"}}) {
      auto r = run_lpa("train --config " + dir.file("tiny.yaml") + " --run-dir " + run + extra);
      INFO(r.output);
      REQUIRE(r.exit_code == 0);
    }
  }
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The column of per_depth.csv's test rows, as written.
std::vector<std::string> test_cells(const std::string& run, const std::string& metric) {
  auto rows = read_csv(run + "/per_depth.csv");
  size_t c = 0;
  while (rows[0][c] != metric) ++c;
  std::vector<std::string> cells;
  for (size_t i = 1; i < rows.size(); ++i)
    if (rows[i][0] == "test") cells.push_back(rows[i][c]);
  return cells;
}

void check_svg(const std::string& path, const std::string& png) {
  const std::string svg = test::read_text(path);
  const auto outside = test::text_outside_canvas(svg);
  for (const auto& o : outside) UNSCOPED_INFO(o);
  CHECK(outside.empty());
  CHECK(test::render_png(path, png) == 0);
}

}  // namespace

TEST_CASE("cli compare: the differing key, and per_depth.csv's values side by side") {
  TwoRuns t;
  auto csv = run_lpa("compare " + t.a + " " + t.b + " --format csv");
  INFO(csv.output);
  REQUIRE(csv.exit_code == 0);
  test::write_text(t.dir.file("out.csv"), csv.output);
  auto rows = read_csv(t.dir.file("out.csv"));
  REQUIRE(rows.size() == 1 + 4);
  CHECK(rows[0] == std::vector<std::string>{"depth", "model.width=16", "model.width=24"});
  const auto a = test_cells(t.a, "mse"), b = test_cells(t.b, "mse");
  REQUIRE(a.size() == 4);
  for (size_t d = 0; d < 4; ++d) {
    CHECK(rows[d + 1][0] == std::to_string(d + 1));
    CHECK(rows[d + 1][1] == a[d]);
    CHECK(rows[d + 1][2] == b[d]);
  }
  CHECK(a != b);

  auto rmse = run_lpa("compare " + t.a + " " + t.b + " --format csv --metric rmse");
  REQUIRE(rmse.exit_code == 0);
  CHECK(contains(rmse.output, "\n1," + test_cells(t.a, "rmse")[0] + "," + test_cells(t.b, "rmse")[0] + "\n"));

  auto table = run_lpa("compare " + t.a + " " + t.b);
  INFO(table.output);
  REQUIRE(table.exit_code == 0);
  CHECK(contains(table.output, "config keys that differ:"));
  CHECK(contains(table.output, "model.width"));
  CHECK(contains(table.output, "test mse per depth:"));
  for (const auto& line : {std::string("experiment.name"), std::string("model.width")}) CHECK(contains(table.output, line));
  CHECK_FALSE(contains(table.output, "train.seed"));  // the same in both

  auto md = run_lpa("compare " + t.a + " " + t.b + " --format markdown");
  REQUIRE(md.exit_code == 0);
  CHECK(contains(md.output, "| model.width | 16 | 24 |"));
  CHECK(contains(md.output, "| depth | model.width=16 | model.width=24 |"));
  CHECK(contains(md.output, "| 2 | " + a[1] + " | " + b[1] + " |"));
}

TEST_CASE("cli plot: every kind draws the runs it is given") {
  TwoRuns t;
  // lpa train leaves per_depth.svg next to per_depth.csv.
  check_svg(t.a + "/per_depth.svg", t.dir.file("per_depth.png"));
  CHECK(contains(test::read_text(t.a + "/per_depth.svg"), ">test split</text>"));

  auto depth = run_lpa("plot " + t.a + " " + t.b + " -o " + t.dir.file("depth.svg"));
  INFO(depth.output);
  REQUIRE(depth.exit_code == 0);
  check_svg(t.dir.file("depth.svg"), t.dir.file("depth.png"));
  const auto texts = test::svg_texts(test::read_text(t.dir.file("depth.svg")));
  CHECK(std::count(texts.begin(), texts.end(), "model.width=16") == 1);
  CHECK(std::count(texts.begin(), texts.end(), "model.width=24") == 1);

  auto curves = run_lpa("plot --kind curves " + t.a + " " + t.b + " -o " + t.dir.file("curves.svg"));
  INFO(curves.output);
  REQUIRE(curves.exit_code == 0);
  check_svg(t.dir.file("curves.svg"), t.dir.file("curves.png"));
  CHECK(contains(test::read_text(t.dir.file("curves.svg")), "model.width=24, depth 4"));

  auto bench = run_lpa("bench --run " + t.a + " --runs 3 --warmup 1 --batch 8");
  REQUIRE(bench.exit_code == 0);
  auto latency = run_lpa("plot --kind latency " + t.a + " -o " + t.dir.file("latency.svg"));
  INFO(latency.output);
  REQUIRE(latency.exit_code == 0);
  check_svg(t.dir.file("latency.svg"), t.dir.file("latency.png"));
}
