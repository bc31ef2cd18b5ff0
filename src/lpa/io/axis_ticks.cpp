#include "lpa/io/axis_ticks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lpa {
namespace {

// lo/step is often 11.999999999999998 for a lo that is a multiple of step.
constexpr double kSlack = 1e-9;

// Step candidates in increasing order from below `smallest`.
double step_at(int i, int first_exponent) {
  static const double mantissa[] = {1, 2, 5};
  const int e = first_exponent + (i >= 0 ? i / 3 : (i - 2) / 3);
  return mantissa[((i % 3) + 3) % 3] * std::pow(10.0, e);
}

int decimals_for(double step) {
  return std::max(0, -static_cast<int>(std::floor(std::log10(step) + kSlack)));
}

std::string fixed(double v, int decimals) {
  char b[48];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  std::string s = b;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // "-0.00"
  return s;
}

void widen_if_flat(double& lo, double& hi) {
  if (hi > lo) return;
  const double d = lo != 0 ? std::abs(lo) * 0.1 : 1.0;
  lo -= d, hi += d;
}

// Multiples of `step` between lo and hi, as k * step (no accumulated rounding).
std::vector<double> multiples(double lo, double hi, double step) {
  std::vector<double> t;
  for (double k = std::ceil(lo / step - kSlack); k <= std::floor(hi / step + kSlack); ++k) t.push_back(k * step);
  return t;
}

void label_fixed(Axis& a, double step) {
  const int d = decimals_for(step);
  for (double t : a.ticks) a.labels.push_back(fixed(t, d));
}

}  // namespace

std::string tick_text(double v) {
  char b[48];
  std::snprintf(b, sizeof b, "%g", v);
  std::string s = b;
  const size_t e = s.find('e');
  if (e == std::string::npos) return s;
  std::string exp = s.substr(e + 1);
  const bool negative = exp[0] == '-';
  exp.erase(0, exp.find_first_not_of("+-"));
  exp.erase(0, std::min(exp.find_first_not_of('0'), exp.size() - 1));
  return s.substr(0, e + 1) + (negative ? "-" : "") + exp;
}

Axis linear_axis(double lo, double hi, int max_ticks) {
  widen_if_flat(lo, hi);
  max_ticks = std::max(max_ticks, 2);
  const int first = static_cast<int>(std::floor(std::log10((hi - lo) / max_ticks))) - 1;
  for (int i = 0;; ++i) {
    const double s = step_at(i, first);
    const double a = std::floor(lo / s + kSlack), b = std::ceil(hi / s - kSlack);
    if (b - a + 1 > max_ticks) continue;
    Axis axis;
    axis.lo = a * s, axis.hi = b * s;
    axis.ticks = multiples(axis.lo, axis.hi, s);
    label_fixed(axis, s);
    return axis;
  }
}

Axis integer_axis(double lo, double hi, int max_ticks) {
  widen_if_flat(lo, hi);
  max_ticks = std::max(max_ticks, 2);
  Axis axis;
  const double pad = std::max((hi - lo) * 0.04, 0.25);
  axis.lo = lo - pad, axis.hi = hi + pad;
  for (int i = 0;; ++i) {
    const double s = step_at(i, 0);
    auto t = multiples(lo, hi, s);
    if (static_cast<int>(t.size()) > max_ticks) continue;
    axis.ticks = t;
    label_fixed(axis, s);
    return axis;
  }
}

Axis log_axis(double lo, double hi, int max_ticks) {
  if (!(lo > 0 && hi > 0)) return linear_axis(lo, hi, max_ticks);
  widen_if_flat(lo, hi);
  Axis axis;
  axis.log = true;
  const int e0 = static_cast<int>(std::floor(std::log10(lo) + kSlack));
  const int e1 = static_cast<int>(std::ceil(std::log10(hi) - kSlack));
  // 1-2-5 ticks from the one at or below lo to the one at or above hi.
  std::vector<double> ticks;
  for (int e = e0; e <= e1; ++e)
    for (double m : {1.0, 2.0, 5.0}) ticks.push_back(m * std::pow(10.0, e));
  auto below = std::upper_bound(ticks.begin(), ticks.end(), lo * (1 + kSlack));
  auto above = std::lower_bound(ticks.begin(), ticks.end(), hi * (1 - kSlack));
  std::vector<double> inside(below == ticks.begin() ? below : below - 1, above == ticks.end() ? above : above + 1);
  if (static_cast<int>(inside.size()) <= max_ticks) {
    if (inside.size() < 4) {  // under a decade: round linear values read better than 2 and 5 alone
      Axis lin = linear_axis(lo, hi, std::max(max_ticks / 2, 3));
      axis.lo = lo, axis.hi = hi;
      axis.ticks = multiples(lo, hi, lin.ticks[1] - lin.ticks[0]);
      if (axis.ticks.size() >= 2) {
        label_fixed(axis, lin.ticks[1] - lin.ticks[0]);
        return axis;
      }
    }
    axis.lo = inside.front(), axis.hi = inside.back();
    axis.ticks = inside;
  } else {
    // Powers of ten, every m-th decade.
    int m = 1;
    while ((e1 - e0) / m + 1 > max_ticks) m = m == 1 ? 2 : m == 2 ? 5 : m * 2;
    const int a = static_cast<int>(std::floor(static_cast<double>(e0) / m)) * m;
    const int b = static_cast<int>(std::ceil(static_cast<double>(e1) / m)) * m;
    for (int e = a; e <= b; e += m) axis.ticks.push_back(std::pow(10.0, e));
    axis.lo = axis.ticks.front(), axis.hi = axis.ticks.back();
  }
  for (double t : axis.ticks) axis.labels.push_back(tick_text(t));
  return axis;
}

}  // namespace lpa
