#!/usr/bin/env bash
# Images per second of a ResNet-20 training step on CPU, lpa (C++) against the same model and
# batch in PyTorch Python (Debian's python3-torch: the same LibTorch build lpa links), measured
# in one run and reported as a ratio.
#   scripts/bench/resnet20_cpu.sh               # 2 threads, 40 lpa steps, 30 Python steps
#   THREADS=1 STEPS=60 scripts/bench/resnet20_cpu.sh
# lpa's numbers come from its real training loop (samples_per_s in train_log.csv, first 10
# steps dropped as warm-up): batch sliced from in-memory uint8 images, normalisation, forward
# through the blocks (all 9 exits only on the steps that log), E2E loss, backward, SGD step; once with random crop + flip on every batch
# and once without. The Python side does the same work without augmentation, so the ratio
# compares it with lpa's run without augmentation (and shows the other too).
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${THREADS:-2}
steps=${STEPS:-40}
py=/usr/bin/python3   # Debian's interpreter, where python3-torch lives
lpa=${LPA:-build/lpa}
[ -x "$lpa" ] || { echo "resnet20_cpu.sh: build lpa first (scripts/setup.sh --no-train)" >&2; exit 2; }
$py -c "import torch, yaml" 2>/dev/null || { echo "resnet20_cpu.sh: $py cannot import torch and yaml (apt install python3-torch python3-yaml)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Random images in the CIFAR-10 binary layout: 5 x 1200 training records, 256 test records.
$py scripts/bench/peers_data.py cifar10 "$tmp"
# Median samples_per_s of train_log.csv rows after step 10 (the first rows are warm-up).
lpa_rate() {
  local run="$tmp/run_$1"
  "$lpa" train --config configs/bench/resnet20_cifar_step.yaml --run-dir "$run" \
    --set data.root="$tmp" --set train.threads="$threads" --set train.steps="$steps" \
    --set data.augment="$1" >"$tmp/lpa_$1.log" 2>&1 || { cat "$tmp/lpa_$1.log" >&2; exit 1; }
  $py scripts/bench/peers_lpa_run.py "$run" 10 | awk '$1 == "steps_per_s" {printf "%.2f\n", $2 * 128}'
}
# The Python side reads the config lpa resolves (without augmentation), runs the deepest head
# only, as lpa's E2E step does on steps that do not log, and times 30 steps after 5 of warm-up
# in windows of 5.
"$lpa" config --config configs/bench/resnet20_cifar_step.yaml --set data.root="$tmp" \
  --set train.threads="$threads" --set data.augment=false --set train.steps=35 \
  --set train.log_every=5 >"$tmp/python.yaml"
py_rate() {
  $py scripts/bench/peers_train.py "$tmp/python.yaml" --warmup 5 |
    awk '$1 == "steps_per_s" {printf "%.2f\n", $2 * 128}'
}
# Python before and after lpa, averaged, so a change in machine load hits both sides alike.
py_before=$(py_rate)
lpa_plain_ips=$(lpa_rate false)
lpa_ips=$(lpa_rate true)
py_after=$(py_rate)
py_ips=$($py -c "print(f'{($py_before + $py_after) / 2:.2f}')")
ratio=$($py -c "print(f'{$lpa_plain_ips / $py_ips:.2f}')")
ratio_aug=$($py -c "print(f'{$lpa_ips / $py_ips:.2f}')")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "ResNet-20 training step, batch 128, 3x32x32, $threads thread(s), $cpu, load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  lpa (C++ LibTorch):       $lpa_ips images/s (crop + flip on every batch)"
echo "  lpa without augmentation: $lpa_plain_ips images/s"
echo "  PyTorch Python:           $py_ips images/s (no augmentation; $py_before before lpa, $py_after after)"
echo "  ratio lpa / PyTorch:      $ratio (same work)"
echo "  ratio with lpa's augmentation: $ratio_aug"
