#pragma once
#include <string>
#include <vector>

namespace lpa {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
};

struct PlotSpec {
  std::string title, x_label, y_label;
  bool log_y = false;
  std::vector<PlotSeries> series;
};

// A self-contained SVG line chart (axes, ticks, legend); no external renderer needed.
std::string render_svg(const PlotSpec& spec);

}  // namespace lpa
