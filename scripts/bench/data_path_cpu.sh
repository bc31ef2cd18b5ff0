#!/usr/bin/env bash
# The CPU must not pay for data on the device (issue 11 part 2): the same workloads with
# augmentation (images: crop + flip, text: random windows) under an lpa built before that change
# (OLD) and the current build, as a ratio of alternating runs (scripts/bench/ab_cpu.sh).
#   OLD=path/to/old/lpa scripts/bench/data_path_cpu.sh [PAIRS] [OUT]   # defaults: 3, docs/perf_data_path_cpu.csv
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -n "${OLD:-}" ] || { echo "data_path_cpu.sh: set OLD to an lpa binary built before the change" >&2; exit 2; }
A_LPA="$OLD" B_LPA="${LPA:-build/lpa}" A_NAME=old B_NAME=new \
  exec scripts/bench/ab_cpu.sh "${1:-3}" "${2:-docs/perf_data_path_cpu.csv}" \
  "surface_mlp|configs/surface.yaml|--set train.steps=300" \
  "resnet20_fmnist_augmented|configs/fashion_mnist_resnet.yaml|--set train.steps=30 --set data.train_limit=4096 --set data.augment=true" \
  "byte_lm_random_windows|configs/lm_sotu.yaml|--set train.steps=40"
