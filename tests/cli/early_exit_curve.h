// Checks an `lpa eval --early-exit` curve (early_exit.csv) against the run's own per-depth
// results (per_depth.csv, test split): values, not just shape.
#pragma once
#include <string>

namespace lpa::test {

// per_depth.csv must hold the val split (`lpa eval --split val --depths all`). For every row:
// exit fractions sum to 1, avg_depth = sum_l l * fraction_l, and avg_mflops lies above sum_l
// fraction_l * mflops_l (per_depth.csv's column: the truncated model, without the heads and
// sureness of the exits tried) and at most the full-depth row's extra above that. Where every sample of a split leaves at depth 1 (always so on
// val at the lowest threshold) or at the full depth (val, highest threshold), the accuracy is
// per_depth.csv's at that depth. Exactly one row per split is the calibrated one.
void check_early_exit_curve(const std::string& run_dir);

}  // namespace lpa::test
