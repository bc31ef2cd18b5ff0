// The SVG chart: valid (rsvg-convert renders it), every text inside the canvas, round ticks,
// series told apart by colour and marker.
#include <algorithm>
#include <regex>
#include <set>

#include "catch.h"
#include "lpa/io/svg_plot.h"
#include "svg_checks.h"
#include "test_support.h"

using namespace lpa;

namespace {

// Three runs as the issue describes them: depths 1..9, accuracies 0.7676..0.9495, long labels.
PlotSpec three_runs() {
  PlotSpec s;
  s.title = "accuracy per depth (test split)";
  s.x_label = "depth";
  s.y_label = "accuracy";
  s.x_integer = true;
  const std::vector<std::string> labels = {
      "fmnist_resnet20_lpa: loss.kind=lpa, loss.mode=joint, loss.weights=linear +4 more",
      "fmnist_resnet20_e2e: loss.kind=e2e, loss.mode=joint, loss.weights=uniform +4 more",
      "fmnist_resnet20_lpa_sequential: loss.kind=lpa, loss.mode=sequential, loss.weights=linear +4 more"};
  for (size_t k = 0; k < labels.size(); ++k) {
    PlotSeries p{labels[k], {}, {}};
    for (int d = 1; d <= 9; ++d) {
      p.x.push_back(d);
      p.y.push_back(0.7676 + (0.9495 - 0.7676) * (d - 1) / 8.0 - 0.01 * static_cast<double>(k));
    }
    s.series.push_back(p);
  }
  return s;
}

PlotSpec many_series(size_t n, const std::string& prefix) {
  PlotSpec s;
  s.title = "mse per depth";
  s.x_label = "depth";
  s.y_label = "mse";
  s.x_integer = true;
  for (size_t k = 0; k < n; ++k) {
    PlotSeries p{prefix + std::to_string(k), {}, {}};
    for (int d = 1; d <= 16; ++d) p.x.push_back(d), p.y.push_back(0.3 / (d + 0.1 * static_cast<double>(k)));
    s.series.push_back(p);
  }
  return s;
}

void check_inside(const PlotSpec& spec) {
  const auto outside = test::text_outside_canvas(render_svg(spec));
  for (const auto& o : outside) UNSCOPED_INFO(o);
  CHECK(outside.empty());
}

}  // namespace

TEST_CASE("svg plot: a polyline per series and escaped labels") {
  PlotSpec s;
  s.title = "a < b";
  s.y_scale = YScale::log;
  s.series.push_back({"lpa", {1, 2, 3}, {1.0, 0.1, 0.01}});
  s.series.push_back({"e2e & co", {1, 2, 3}, {5.0, 4.0, 0.005}});
  const std::string svg = render_svg(s);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("a &lt; b") != std::string::npos);
  CHECK(svg.find("e2e &amp; co") != std::string::npos);
  size_t lines = 0;
  for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1)) ++lines;
  CHECK(lines == 2);
}

TEST_CASE("svg plot: several runs render with rsvg-convert to a PNG") {
  test::TempDir dir("svg");
  test::write_text(dir.file("runs.svg"), render_svg(three_runs()));
  REQUIRE(test::render_png(dir.file("runs.svg"), dir.file("runs.png")) == 0);
  const std::string png = test::read_text(dir.file("runs.png"));
  REQUIRE(png.size() > 8);
  CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  // Something invalid is refused, so the exit code above means something.
  test::write_text(dir.file("bad.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>unclosed</svg>");
  CHECK(test::render_png(dir.file("bad.svg"), dir.file("bad.png")) != 0);
}

TEST_CASE("svg plot: every text element lies inside the canvas") {
  check_inside(three_runs());
  check_inside(many_series(12, "train.seed="));
  check_inside(many_series(1, "one run"));
  PlotSpec unbreakable = three_runs();
  unbreakable.series[0].label = std::string(220, 'x');  // one word longer than the canvas is wide
  unbreakable.title = "a title far too long for the canvas: " + std::string(150, 't');
  unbreakable.y_label = "a y label longer than the plot is tall " + std::string(60, 'y');
  unbreakable.x_label = "an x label longer than the plot is wide " + std::string(120, 'x');
  check_inside(unbreakable);
  PlotSpec wide_ticks = many_series(3, "run ");
  for (auto& s : wide_ticks.series)
    for (auto& y : s.y) y *= 1e12;  // tick labels such as 3000000000000 need a wider left margin
  wide_ticks.y_scale = YScale::linear;
  check_inside(wide_ticks);
  PlotSpec utf8 = three_runs();
  utf8.series[1].label = "données · μ=0.5 · " + std::string(40, 'e');
  check_inside(utf8);
  check_inside(PlotSpec{});
  // The checker itself: a text pushed past the right edge is caught.
  std::string svg = render_svg(three_runs());
  const std::string legend_text = "<text x=\"42.0\"";  // the legend's text, left column
  const size_t at = svg.find(legend_text);
  REQUIRE(at != std::string::npos);
  svg.replace(at, legend_text.size(), "<text x=\"600.0\"");
  CHECK_FALSE(test::text_outside_canvas(svg).empty());
}

TEST_CASE("svg plot: integer depth ticks and round value ticks") {
  const auto texts = test::svg_texts(render_svg(three_runs()));
  auto has = [&](const std::string& t) { return std::find(texts.begin(), texts.end(), t) != texts.end(); };
  for (int d = 1; d <= 9; ++d) CHECK(has(std::to_string(d)));
  for (const char* v : {"0.75", "0.80", "0.85", "0.90", "0.95"}) CHECK(has(v));
  // Nothing like the old 2.6, 4.2, 5.8 or 0.9495, 0.7676: every numeric label is a multiple of 0.05.
  for (const auto& t : texts) {
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0') continue;
    CHECK(std::abs(v * 20 - std::round(v * 20)) < 1e-9);
  }
}

TEST_CASE("svg plot: a log axis for values spanning a decade, else linear") {
  PlotSpec errors = many_series(2, "run ");  // 0.3 .. 0.018
  CHECK(log_y_for(errors));
  const auto texts = test::svg_texts(render_svg(errors));
  CHECK(std::find(texts.begin(), texts.end(), "mse (log scale)") != texts.end());
  CHECK(std::find(texts.begin(), texts.end(), "0.01") != texts.end());
  CHECK(std::find(texts.begin(), texts.end(), "0.1") != texts.end());
  CHECK_FALSE(log_y_for(three_runs()));  // accuracies 0.76 .. 0.95
  errors.y_scale = YScale::linear;
  CHECK_FALSE(log_y_for(errors));
  PlotSpec with_zero = errors;
  with_zero.y_scale = YScale::automatic;
  with_zero.series[0].y[3] = 0;  // r2-like values that can be 0 or negative stay linear
  CHECK_FALSE(log_y_for(with_zero));
}

TEST_CASE("svg plot: each series has its own colour and marker pair") {
  // Every series through the same two points: their markers sit at the same place, so the
  // marker elements differ only by shape and colour.
  PlotSpec spec;
  for (int k = 0; k < 12; ++k) spec.series.push_back({"s" + std::to_string(k), {1, 2}, {1, 2}});
  const std::string svg = render_svg(spec);
  const std::regex marker("<g class=\"[a-z-]+\">(.*?)</g>");
  const std::regex colour("#[0-9a-f]{6}");
  std::vector<std::string> shapes, colours;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), marker); it != std::sregex_iterator(); ++it) {
    const std::string m = (*it)[1].str();
    shapes.push_back(std::regex_replace(m, colour, ""));
    std::smatch c;
    colours.push_back(std::regex_search(m, c, colour) ? c[0].str() : "");
  }
  REQUIRE(shapes.size() == 12 * 2 + 12);  // two points per series, then the legend
  std::vector<std::string> lines;
  const std::regex polyline("<polyline fill=\"none\" stroke=\"(#[0-9a-f]{6})\" stroke-width=\"2\"([^ ]*(?: stroke-dasharray=\"[^\"]*\")?)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), polyline); it != std::sregex_iterator(); ++it)
    lines.push_back((*it)[1].str() + (*it)[2].str());
  REQUIRE(lines.size() == 12);
  std::set<std::string> first_shapes, first_colours, pairs;
  for (size_t k = 0; k < 12; ++k) {
    const std::string& shape = shapes[2 * k];  // series k's marker at (1, 1)
    CHECK(colours[2 * k] == lines[k].substr(0, 7));
    if (k < 6) first_shapes.insert(shape), first_colours.insert(colours[2 * k]);
    pairs.insert(shape + lines[k]);
  }
  CHECK(first_shapes.size() == 6);  // the first six differ in shape and in colour
  CHECK(first_colours.size() == 6);
  CHECK(pairs.size() == 12);        // and no two of twelve share shape, colour and dashes
}
