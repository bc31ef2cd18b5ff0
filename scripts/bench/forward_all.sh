#!/usr/bin/env bash
# Cost of forward_all (N predictions, one pass) relative to one full-depth forward, and of an
# LPA training step relative to an E2E one. Reported as ratios: timings here are noisy.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --build build --target bench_forward_all -j "$(nproc)" >/dev/null
for batch in 1 256; do build/bench_forward_all "$batch" "${REPS:-200}"; done
