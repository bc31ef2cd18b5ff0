// Tick choice: round values (1-2-5 steps), integers for counts, powers of ten on a log axis.
// Expected values are worked out by hand in the comments.
#include "catch.h"
#include "lpa/io/axis_ticks.h"

using namespace lpa;
using Labels = std::vector<std::string>;

TEST_CASE("axis ticks: linear ticks at the smallest 1-2-5 step that fits") {
  // Accuracies 0.62..0.93, at most 8 ticks: step 0.02 needs 0.62..0.94 = 17 ticks, 0.05 needs
  // 0.60..0.95 = 8. The axis widens to those outer ticks.
  Axis a = linear_axis(0.62, 0.93, 8);
  CHECK(a.labels == Labels{"0.60", "0.65", "0.70", "0.75", "0.80", "0.85", "0.90", "0.95"});
  CHECK(a.lo == Approx(0.60));
  CHECK(a.hi == Approx(0.95));
  CHECK_FALSE(a.log);
  // The accuracies 0.7676..0.9495: step 0.05 from 0.75 to 0.95 (step 0.02: 11 ticks).
  CHECK(linear_axis(0.7676, 0.9495, 8).labels == Labels{"0.75", "0.80", "0.85", "0.90", "0.95"});
  // 0..1: step 0.1 needs 11, 0.2 needs 6.
  CHECK(linear_axis(0, 1, 8).labels == Labels{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"});
  // Negative to positive: -3..7, step 1 needs 11, step 2 -4..8 = 7.
  CHECK(linear_axis(-3, 7, 8).labels == Labels{"-4", "-2", "0", "2", "4", "6", "8"});
  // Large numbers: 1234..98765, step 10000 needs 11, 20000 needs 0..100000 = 6.
  CHECK(linear_axis(1234, 98765, 8).labels == Labels{"0", "20000", "40000", "60000", "80000", "100000"});
  // One value: widened by 10% either way (4.5..5.5), then step 0.2 from 4.4 to 5.6.
  CHECK(linear_axis(5, 5, 8).labels == Labels{"4.4", "4.6", "4.8", "5.0", "5.2", "5.4", "5.6"});
  // Every tick is k * step, not an accumulated sum (0.1 + 0.2 != 0.3).
  for (double t : linear_axis(0.1, 0.7, 8).ticks) CHECK(std::abs(t * 10 - std::round(t * 10)) < 1e-12);
}

TEST_CASE("axis ticks: integer ticks never fractional") {
  // Depth 1..16, at most 10 ticks: step 1 gives 16, step 2 gives 2, 4, ..., 16.
  CHECK(integer_axis(1, 16, 10).labels == Labels{"2", "4", "6", "8", "10", "12", "14", "16"});
  CHECK(integer_axis(1, 4, 10).labels == Labels{"1", "2", "3", "4"});
  // The depths 1..9 drawn at 2.6, 4.2, 5.8: now every depth.
  CHECK(integer_axis(1, 9, 10).labels == Labels{"1", "2", "3", "4", "5", "6", "7", "8", "9"});
  // Training steps 10..600: steps 1..50 give too many, 100 gives 100..600.
  CHECK(integer_axis(10, 600, 10).labels == Labels{"100", "200", "300", "400", "500", "600"});
  // Depth 1..3 with room for 10 ticks: 1, 2, 3, not 1.5 or 2.5.
  CHECK(integer_axis(1, 3, 10).labels == Labels{"1", "2", "3"});
  CHECK(integer_axis(1, 1, 10).labels == Labels{"1"});
  // The extent is the data's, padded, not widened to depth 0.
  Axis d = integer_axis(1, 16, 10);
  CHECK(d.lo > 0);
  CHECK(d.lo < 1);
  CHECK(d.hi > 16);
}

TEST_CASE("axis ticks: log ticks at powers of ten and their 2 and 5 multiples") {
  // MSE 0.003..0.4: 1-2-5 ticks from 0.002 (the one below) to 0.5 (the one above) are 8.
  Axis a = log_axis(0.003, 0.4, 8);
  CHECK(a.log);
  CHECK(a.labels == Labels{"0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5"});
  CHECK(a.lo == Approx(0.002));
  CHECK(a.hi == Approx(0.5));
  // 0.012..0.3: 0.01 .. 0.5.
  CHECK(log_axis(0.012, 0.3, 8).labels == Labels{"0.01", "0.02", "0.05", "0.1", "0.2", "0.5"});
  // Six decades: 19 1-2-5 ticks do not fit, the 7 powers of ten do.
  CHECK(log_axis(1e-5, 10, 8).labels == Labels{"1e-5", "0.0001", "0.001", "0.01", "0.1", "1", "10"});
  // Nine decades: 10 powers do not fit; every second one, from 1e-10, does.
  CHECK(log_axis(1e-9, 1, 8).labels == Labels{"1e-10", "1e-8", "1e-6", "0.0001", "0.01", "1"});
  // Under a decade, 0.3..0.45, 1-2-5 gives only 0.2 and 0.5: linear round ticks instead.
  Axis short_range = log_axis(0.3, 0.45, 8);
  CHECK(short_range.log);
  CHECK(short_range.labels == Labels{"0.30", "0.35", "0.40", "0.45"});
}

TEST_CASE("axis ticks: exponents without padding") {
  CHECK(tick_text(1e-5) == "1e-5");
  CHECK(tick_text(2e6) == "2e6");
  CHECK(tick_text(0.05) == "0.05");
  CHECK(tick_text(100) == "100");
}
