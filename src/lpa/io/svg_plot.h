// A self-contained SVG line chart (axes, round ticks, legend); no external renderer needed.
#pragma once
#include <string>
#include <vector>

namespace lpa {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;  // non-finite y (and y <= 0 on a log axis) are gaps
};

enum class YScale { automatic, linear, log };

struct PlotSpec {
  std::string title, x_label, y_label;
  bool x_integer = false;  // x counts something (depth, step): integer ticks only
  // automatic: log when every value is > 0 and the largest is at least 10x the smallest.
  YScale y_scale = YScale::automatic;
  std::vector<PlotSeries> series;
  double width = 720;
};

// Every text element lies inside the canvas: the legend goes below the chart, in as many
// columns as fit, long labels wrapped; the canvas grows to hold it. Series differ in colour
// and marker shape.
std::string render_svg(const PlotSpec& p);

bool log_y_for(const PlotSpec& p);

// The width the layout assumes for text: 0.6 em per character (UTF-8 code point), a
// conservative average for sans-serif fonts.
double text_width(const std::string& text, double font_size);

}  // namespace lpa
