#include "svg_checks.h"

#include <regex>

#include "test_support.h"

namespace lpa::test {
namespace {

std::string attribute(const std::string& tag, const std::string& name) {
  const std::regex re("\\s" + name + "=\"([^\"]*)\"");
  std::smatch m;
  return std::regex_search(tag, m, re) ? m[1].str() : "";
}

std::string unescape(std::string s) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  }
  return s;
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

struct TextElement {
  std::string tag, content;
};

std::vector<TextElement> text_elements(const std::string& svg) {
  std::vector<TextElement> out;
  const std::regex re("<text([^>]*)>([^<]*)</text>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back({(*it)[1].str(), unescape((*it)[2].str())});
  return out;
}

}  // namespace

std::vector<std::string> svg_texts(const std::string& svg) {
  std::vector<std::string> t;
  for (const auto& e : text_elements(svg)) t.push_back(e.content);
  return t;
}

std::vector<std::string> text_outside_canvas(const std::string& svg) {
  const std::string root = svg.substr(0, svg.find('>'));
  const double W = std::stod(attribute(root, "width")), H = std::stod(attribute(root, "height"));
  const std::string root_font = attribute(root, "font-size");
  std::vector<std::string> bad;
  for (const auto& e : text_elements(svg)) {
    const std::string f = attribute(e.tag, "font-size");
    const double size = std::stod(f.empty() ? root_font : f);
    const double x = std::stod(attribute(e.tag, "x")), y = std::stod(attribute(e.tag, "y"));
    const double w = 0.6 * size * static_cast<double>(code_points(e.content));
    const std::string anchor = attribute(e.tag, "text-anchor");
    const double along = anchor == "middle" ? w / 2 : anchor == "end" ? w : 0;  // extent before the anchor
    double x0 = x - along, x1 = x - along + w, y0 = y - size, y1 = y + size / 4;
    if (attribute(e.tag, "transform").find("rotate(-90") != std::string::npos) {
      // Rotated about (x, y): the text runs upwards, its glyphs to the left of x.
      x0 = x - size, x1 = x + size / 4;
      y0 = y - (w - along), y1 = y + along;
    }
    if (x0 < 0 || x1 > W || y0 < 0 || y1 > H)
      bad.push_back("'" + e.content + "' spans x " + std::to_string(x0) + ".." + std::to_string(x1) + ", y " +
                    std::to_string(y0) + ".." + std::to_string(y1) + " on a " + std::to_string(W) + "x" +
                    std::to_string(H) + " canvas");
  }
  return bad;
}

int render_png(const std::string& svg_path, const std::string& png_path) {
  if (run_shell("command -v rsvg-convert").exit_code != 0)
    skip("rsvg-convert is not installed (Debian package librsvg2-bin)");
  return run_shell("rsvg-convert -o '" + png_path + "' '" + svg_path + "'").exit_code;
}

}  // namespace lpa::test
