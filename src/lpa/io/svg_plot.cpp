#include "lpa/io/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace lpa {
namespace {

const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

}  // namespace

std::string render_svg(const PlotSpec& p) {
  const double W = 720, H = 440, L = 80, R = 180, T = 40, B = 60;
  double x0 = std::numeric_limits<double>::max(), x1 = -x0, y0 = x0, y1 = -x0;
  auto ty = [&](double y) { return p.log_y ? std::log10(std::max(y, 1e-300)) : y; };
  for (const auto& s : p.series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i]) || (p.log_y && s.y[i] <= 0)) continue;
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, ty(s.y[i])), y1 = std::max(y1, ty(s.y[i]));
    }
  if (x0 > x1) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1;
  const double pad = (y1 - y0) * 0.05;
  y0 -= pad, y1 += pad;
  auto sx = [&](double x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
  auto sy = [&](double y) { return T + (1 - (ty(y) - y0) / (y1 - y0)) * (H - T - B); };

  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << W / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" << escape(p.title) << "</text>\n";
  o << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << W - L - R << "\" height=\"" << H - T - B
    << "\" fill=\"none\" stroke=\"#333\"/>\n";
  for (int i = 0; i <= 5; ++i) {
    double yv = y0 + (y1 - y0) * i / 5.0;
    double py = T + (1 - i / 5.0) * (H - T - B);
    o << "<line x1=\"" << L << "\" x2=\"" << W - R << "\" y1=\"" << py << "\" y2=\"" << py
      << "\" stroke=\"#ddd\"/><text x=\"" << L - 6 << "\" y=\"" << py + 4 << "\" text-anchor=\"end\">"
      << num(p.log_y ? std::pow(10.0, yv) : yv) << "</text>\n";
    double xv = x0 + (x1 - x0) * i / 5.0;
    o << "<text x=\"" << sx(xv) << "\" y=\"" << H - B + 18 << "\" text-anchor=\"middle\">" << num(xv)
      << "</text>\n";
  }
  o << "<text x=\"" << (L + W - R) / 2 << "\" y=\"" << H - 15 << "\" text-anchor=\"middle\">"
    << escape(p.x_label) << "</text>\n";
  o << "<text transform=\"translate(18," << (T + H - B) / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
    << escape(p.y_label) << (p.log_y ? " (log)" : "") << "</text>\n";
  for (size_t k = 0; k < p.series.size(); ++k) {
    const auto& s = p.series[k];
    const char* c = kColors[k % 10];
    o << "<polyline fill=\"none\" stroke=\"" << c << "\" stroke-width=\"2\" points=\"";
    for (size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.y[i]) && (!p.log_y || s.y[i] > 0)) o << sx(s.x[i]) << "," << sy(s.y[i]) << " ";
    o << "\"/>\n";
    for (size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.y[i]) && (!p.log_y || s.y[i] > 0))
        o << "<circle cx=\"" << sx(s.x[i]) << "\" cy=\"" << sy(s.y[i]) << "\" r=\"3\" fill=\"" << c << "\"/>\n";
    const double ly = T + 10 + 18 * k;
    o << "<line x1=\"" << W - R + 12 << "\" x2=\"" << W - R + 32 << "\" y1=\"" << ly << "\" y2=\"" << ly
      << "\" stroke=\"" << c << "\" stroke-width=\"2\"/><text x=\"" << W - R + 36 << "\" y=\"" << ly + 4
      << "\">" << escape(s.label) << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace lpa
