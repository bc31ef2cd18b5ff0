#!/usr/bin/env bash
# Images per second of a ResNet-20 training step on CPU, lpa (C++) against the same model and
# batch in PyTorch Python (Debian's python3-torch: the same LibTorch build lpa links), measured
# in one run and reported as a ratio.
#   scripts/bench/resnet20_cpu.sh               # 2 threads, 40 lpa steps, 30 Python steps
#   THREADS=1 STEPS=60 scripts/bench/resnet20_cpu.sh
# lpa's numbers come from its real training loop (samples_per_s in train_log.csv, first 10
# steps dropped as warm-up): batch sliced from in-memory uint8 images, normalisation, forward
# through all 9 exits, E2E loss, backward, SGD step; once with random crop + flip on every batch
# and once without. The Python side does the same work without augmentation, so the ratio
# compares it with lpa's run without augmentation (and shows the other too).
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${THREADS:-2}
steps=${STEPS:-40}
py=/usr/bin/python3   # Debian's interpreter, where python3-torch lives
[ -x build/lpa ] || { echo "resnet20_cpu.sh: build lpa first (scripts/setup.sh --no-train)" >&2; exit 2; }
$py -c "import torch" 2>/dev/null || { echo "resnet20_cpu.sh: $py cannot import torch (apt install python3-torch)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Random images in the CIFAR-10 binary layout: 5 x 1200 training records, 256 test records.
$py - "$tmp" <<'PY'
import os, sys, torch
root = sys.argv[1]
g = torch.Generator().manual_seed(0)
def write(name, n):
    labels = torch.randint(0, 10, (n, 1), generator=g, dtype=torch.uint8)
    pixels = torch.randint(0, 256, (n, 3072), generator=g, dtype=torch.uint8)
    with open(os.path.join(root, name), "wb") as f:
        f.write(torch.cat([labels, pixels], 1).numpy().tobytes())
for b in range(1, 6):
    write(f"data_batch_{b}.bin", 1200)
write("test_batch.bin", 256)
PY

# Median samples_per_s of train_log.csv rows after step 10 (the first rows are warm-up).
lpa_rate() {
  local run="$tmp/run_$1"
  build/lpa train --config configs/bench/resnet20_cifar_step.yaml --run-dir "$run" \
    --set data.root="$tmp" --set train.threads="$threads" --set train.steps="$steps" \
    --set data.augment="$1" >"$tmp/lpa_$1.log" 2>&1 || { cat "$tmp/lpa_$1.log" >&2; exit 1; }
  $py - "$run/train_log.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
rates = [float(r["samples_per_s"]) for r in rows if int(r["step"]) > 10]
print(f"{statistics.median(rates):.2f}")
PY
}
py_rate() { $py scripts/bench/resnet_train_step.py --threads "$threads" --batch 128 --steps 30 --warmup 5 | awk '{print $2}'; }
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
