#include "lpa/io/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "lpa/io/axis_ticks.h"

namespace lpa {
namespace {

const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr int kMarkers = 6;  // circle, square, triangle up, diamond, triangle down, cross
constexpr double kFont = 12, kTitleFont = 15, kLineHeight = 16;

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

std::string px(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Greedy word wrap to lines of at most `max_chars` code points; a longer word is cut.
std::vector<std::string> wrap(const std::string& text, size_t max_chars) {
  max_chars = std::max<size_t>(max_chars, 1);
  std::vector<std::string> lines;
  std::string line, word;
  std::istringstream in(text);
  while (in >> word) {
    while (code_points(word) > max_chars) {
      if (!line.empty()) lines.push_back(line), line.clear();
      size_t cut = 0, n = 0;
      while (cut < word.size() && n < max_chars) {
        ++cut;
        while (cut < word.size() && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80) ++cut;
        ++n;
      }
      lines.push_back(word.substr(0, cut));
      word.erase(0, cut);
    }
    if (word.empty()) continue;
    if (!line.empty() && code_points(line) + 1 + code_points(word) > max_chars) lines.push_back(line), line.clear();
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

std::string marker(int kind, double x, double y, const char* color) {
  static const char* names[kMarkers] = {"circle", "square", "triangle-up", "diamond", "triangle-down", "cross"};
  const double r = 3.5;
  std::ostringstream o;
  o << "<g class=\"marker-" << names[kind % kMarkers] << "\">";
  switch (kind % kMarkers) {
    case 0: o << "<circle cx=\"" << px(x) << "\" cy=\"" << px(y) << "\" r=\"" << r << "\""; break;
    case 1: o << "<rect x=\"" << px(x - r) << "\" y=\"" << px(y - r) << "\" width=\"" << 2 * r << "\" height=\"" << 2 * r << "\""; break;
    case 2: o << "<path d=\"M" << px(x) << " " << px(y - r * 1.2) << " L" << px(x + r * 1.1) << " " << px(y + r * 0.8)
              << " L" << px(x - r * 1.1) << " " << px(y + r * 0.8) << " Z\""; break;
    case 3: o << "<path d=\"M" << px(x) << " " << px(y - r * 1.3) << " L" << px(x + r * 1.3) << " " << px(y) << " L"
              << px(x) << " " << px(y + r * 1.3) << " L" << px(x - r * 1.3) << " " << px(y) << " Z\""; break;
    case 4: o << "<path d=\"M" << px(x) << " " << px(y + r * 1.2) << " L" << px(x + r * 1.1) << " " << px(y - r * 0.8)
              << " L" << px(x - r * 1.1) << " " << px(y - r * 0.8) << " Z\""; break;
    default:
      o << "<path d=\"M" << px(x - r) << " " << px(y - r) << " L" << px(x + r) << " " << px(y + r) << " M" << px(x + r)
        << " " << px(y - r) << " L" << px(x - r) << " " << px(y + r) << "\" fill=\"none\" stroke=\"" << color
        << "\" stroke-width=\"2\"/></g>";
      return o.str();
  }
  o << " fill=\"" << color << "\"/></g>";
  return o.str();
}

// Dashes tell apart series that share a colour (more than ten).
std::string dash(size_t k) {
  static const char* d[] = {"", " stroke-dasharray=\"6 3\"", " stroke-dasharray=\"2 2\""};
  return d[(k / 10) % 3];
}

bool plotted(double y, bool log) { return std::isfinite(y) && (!log || y > 0); }

}  // namespace

double text_width(const std::string& text, double font_size) {
  return 0.6 * font_size * static_cast<double>(code_points(text));
}

bool log_y_for(const PlotSpec& p) {
  if (p.y_scale != YScale::automatic) return p.y_scale == YScale::log;
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const auto& s : p.series)
    for (double y : s.y) {
      if (!std::isfinite(y)) continue;
      if (y <= 0) return false;
      lo = std::min(lo, y), hi = std::max(hi, y);
    }
  return hi > 0 && hi >= 10 * lo;
}

std::string render_svg(const PlotSpec& p) {
  const bool log_y = log_y_for(p);
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : p.series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!plotted(s.y[i], log_y) || !std::isfinite(s.x[i])) continue;
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
    }
  if (x0 > x1) x0 = 0, x1 = 1, y0 = log_y ? 0.1 : 0, y1 = 1;  // nothing to plot: an empty frame
  const Axis xa = p.x_integer ? integer_axis(x0, x1) : linear_axis(x0, x1, 10);
  const Axis ya = log_y ? log_axis(y0, y1) : linear_axis(y0, y1);

  // Horizontal layout: y label band, tick labels as wide as the widest, the plot, a margin.
  const double W = p.width;
  double tick_w = 0;
  for (const auto& l : ya.labels) tick_w = std::max(tick_w, text_width(l, kFont));
  const double L = 8 + kFont + 10 + tick_w + 6, R = 24;
  const double T = 44, plot_h = 300;
  const double plot_w = W - L - R;
  const double bottom = T + plot_h;

  auto fy = [&](double y) { return log_y ? std::log10(y) : y; };
  auto sx = [&](double x) { return L + (x - xa.lo) / (xa.hi - xa.lo) * plot_w; };
  auto sy = [&](double y) { return T + (1 - (fy(y) - fy(ya.lo)) / (fy(ya.hi) - fy(ya.lo))) * plot_h; };

  std::ostringstream body;
  // Title, shrunk to the width.
  const double title_font = std::min(kTitleFont, (W - 16) / std::max(text_width(p.title, 1), 1.0));
  body << "<text x=\"" << px(W / 2) << "\" y=\"26\" text-anchor=\"middle\" font-size=\"" << px(title_font) << "\">"
       << escape(p.title) << "</text>\n";
  body << "<rect x=\"" << px(L) << "\" y=\"" << px(T) << "\" width=\"" << px(plot_w) << "\" height=\"" << px(plot_h)
       << "\" fill=\"none\" stroke=\"#333\"/>\n";
  for (size_t i = 0; i < ya.ticks.size(); ++i) {
    const double y = sy(ya.ticks[i]);
    body << "<line x1=\"" << px(L) << "\" x2=\"" << px(L + plot_w) << "\" y1=\"" << px(y) << "\" y2=\"" << px(y)
         << "\" stroke=\"#ddd\"/><text x=\"" << px(L - 6) << "\" y=\"" << px(y + 4) << "\" text-anchor=\"end\">"
         << escape(ya.labels[i]) << "</text>\n";
  }
  for (size_t i = 0; i < xa.ticks.size(); ++i) {
    const double x = sx(xa.ticks[i]);
    body << "<line x1=\"" << px(x) << "\" x2=\"" << px(x) << "\" y1=\"" << px(T) << "\" y2=\"" << px(bottom)
         << "\" stroke=\"#eee\"/><text x=\"" << px(x) << "\" y=\"" << px(bottom + 18) << "\" text-anchor=\"middle\">"
         << escape(xa.labels[i]) << "</text>\n";
  }
  const double xl_font = std::min(kFont, plot_w / std::max(text_width(p.x_label, 1), 1.0));
  body << "<text x=\"" << px(L + plot_w / 2) << "\" y=\"" << px(bottom + 38) << "\" text-anchor=\"middle\" font-size=\""
       << px(xl_font) << "\">" << escape(p.x_label) << "</text>\n";
  const std::string y_label = p.y_label + (log_y ? " (log scale)" : "");
  const double yl_font = std::min(kFont, plot_h / std::max(text_width(y_label, 1), 1.0));
  const double yl_x = 8 + kFont, yl_y = T + plot_h / 2;
  body << "<text x=\"" << px(yl_x) << "\" y=\"" << px(yl_y) << "\" transform=\"rotate(-90 " << px(yl_x) << " "
       << px(yl_y) << ")\" text-anchor=\"middle\" font-size=\"" << px(yl_font) << "\">" << escape(y_label)
       << "</text>\n";

  for (size_t k = 0; k < p.series.size(); ++k) {
    const auto& s = p.series[k];
    const char* c = kColors[k % 10];
    // One polyline per run of plotted points: a gap stays a gap.
    std::string points;
    auto flush = [&] {
      if (!points.empty())
        body << "<polyline fill=\"none\" stroke=\"" << c << "\" stroke-width=\"2\"" << dash(k) << " points=\""
             << points << "\"/>\n";
      points.clear();
    };
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!plotted(s.y[i], log_y)) {
        flush();
        continue;
      }
      points += (points.empty() ? "" : " ") + px(sx(s.x[i])) + "," + px(sy(s.y[i]));
    }
    flush();
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      if (plotted(s.y[i], log_y)) body << marker(static_cast<int>(k), sx(s.x[i]), sy(s.y[i]), c) << "\n";
  }

  // Legend below the chart: columns as wide as the widest entry if more than one fits, else
  // one column with labels wrapped to the width.
  const double swatch = 30, gap = 16, left = 12, avail = W - 2 * left;
  double widest = 0;
  for (const auto& s : p.series) widest = std::max(widest, text_width(s.label, kFont));
  const double col_w = swatch + widest + gap;
  const size_t n = p.series.size();
  const size_t cols = n == 0 ? 1 : std::max<size_t>(1, std::min(n, static_cast<size_t>(avail / col_w)));
  const size_t max_chars = static_cast<size_t>((avail - swatch) / (0.6 * kFont));
  double y = bottom + 62;
  for (size_t k = 0; k < n; k += cols) {
    size_t row_lines = 1;
    for (size_t j = k; j < std::min(n, k + cols); ++j) {
      const double x = left + static_cast<double>(j - k) * (cols > 1 ? col_w : 0);
      const char* c = kColors[j % 10];
      body << "<line x1=\"" << px(x) << "\" x2=\"" << px(x + swatch - 6) << "\" y1=\"" << px(y - 4) << "\" y2=\""
           << px(y - 4) << "\" stroke=\"" << c << "\" stroke-width=\"2\"" << dash(j) << "/>"
           << marker(static_cast<int>(j), x + (swatch - 6) / 2, y - 4, c) << "\n";
      const auto lines = cols > 1 ? std::vector<std::string>{p.series[j].label} : wrap(p.series[j].label, max_chars);
      for (size_t i = 0; i < lines.size(); ++i)
        body << "<text x=\"" << px(x + swatch) << "\" y=\"" << px(y + kLineHeight * static_cast<double>(i)) << "\">"
             << escape(lines[i]) << "</text>\n";
      row_lines = std::max(row_lines, lines.size());
    }
    y += kLineHeight * static_cast<double>(row_lines) + 4;
  }
  const double H = n == 0 ? bottom + 50 : y;

  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << px(W) << "\" height=\"" << px(H) << "\" viewBox=\"0 0 "
    << px(W) << " " << px(H) << "\" font-family=\"sans-serif\" font-size=\"" << kFont << "\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << body.str() << "</svg>\n";
  return o.str();
}

}  // namespace lpa
