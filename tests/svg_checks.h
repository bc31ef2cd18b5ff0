// Checks on the SVGs lpa writes, shared by the io and cli tests.
#pragma once
#include <string>
#include <vector>

namespace lpa::test {

// Every <text> element whose estimated box (width: font size x characters x 0.6, placed by its
// text-anchor; height: the font size above the baseline, a quarter below; rotate(-90) turns
// it) leaves the canvas (the root's width and height): one line each, empty when all fit.
std::vector<std::string> text_outside_canvas(const std::string& svg);

// The text of each <text> element, unescaped, in order.
std::vector<std::string> svg_texts(const std::string& svg);

// rsvg-convert's exit code rendering `svg_path` to `png_path`; skips the test when rsvg-convert
// is not installed (Debian: librsvg2-bin).
int render_png(const std::string& svg_path, const std::string& png_path);

}  // namespace lpa::test
