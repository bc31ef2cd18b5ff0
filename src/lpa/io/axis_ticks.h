// Where a chart's axis starts and ends and where its ticks go: round values a person reads at a
// glance (1-2-5 steps, integers for counts such as depth, powers of ten on a log axis).
#pragma once
#include <string>
#include <vector>

namespace lpa {

struct Axis {
  double lo = 0, hi = 1;     // the axis' extent, in data units
  bool log = false;          // positions are log10 of the values
  std::vector<double> ticks;
  std::vector<std::string> labels;  // one per tick, all with the same number of decimals
};

// The smallest step in {1, 2, 5} x 10^k that covers [lo, hi] with at most max_ticks ticks; the
// axis is widened to the ticks just outside the data. lo == hi is widened first.
Axis linear_axis(double lo, double hi, int max_ticks = 8);

// The same with steps of at least 1 (1, 2, 5, 10, 20, ...), for counts such as depth or step:
// never a fractional tick. The extent is the data's, padded by a little, not the outer ticks
// (depth 0 does not exist).
Axis integer_axis(double lo, double hi, int max_ticks = 10);

// lo, hi > 0. Ticks at 1, 2, 5 x 10^k when at most max_ticks fit, else at powers of ten (every
// m-th decade when even those are too many), the axis widened to the ticks outside the data.
// A range too short for three such ticks gets 1-2-5 linear ticks on the log axis.
Axis log_axis(double lo, double hi, int max_ticks = 8);

// "1e-05" -> "1e-5", "2e+06" -> "2e6": %g with the exponent's padding dropped.
std::string tick_text(double v);

}  // namespace lpa
