#!/usr/bin/env bash
# Training speed of train.precision bf16 against fp32 on this machine's CPU, as a ratio of
# alternating runs (scripts/bench/ab_cpu.sh: surface MLP, Fashion-MNIST ResNet-20, byte LM).
#   scripts/bench/precision_cpu.sh [PAIRS] [OUT]     # defaults: 2, docs/perf_precision_cpu.csv
set -euo pipefail
cd "$(dirname "$0")/../.."
A_NAME=fp32 B_NAME=bf16 A_SETS="--set train.precision=fp32" B_SETS="--set train.precision=bf16" \
  exec scripts/bench/ab_cpu.sh "${1:-2}" "${2:-docs/perf_precision_cpu.csv}" \
  "surface_mlp|configs/surface.yaml|--set train.steps=300" \
  "resnet20_fmnist|configs/fashion_mnist_resnet.yaml|--set train.steps=30 --set data.train_limit=4096" \
  "byte_lm|configs/lm_sotu.yaml|--set train.steps=40"
