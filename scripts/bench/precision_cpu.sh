#!/usr/bin/env bash
# Training speed of train.precision bf16 against fp32 on this machine's CPU, as a ratio: for
# each workload, fp32 and bf16 runs alternate (PAIRS pairs), each reports its steady samples/s
# (train_log.csv's last row), and the median ratio is printed and written to OUT.
#   scripts/bench/precision_cpu.sh [PAIRS] [OUT]     # defaults: 2, docs/perf_precision_cpu.csv
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs="${1:-2}"; out="${2:-docs/perf_precision_cpu.csv}"
LPA=${LPA:-build/lpa}; THREADS=${THREADS:-2}
[ -x "$LPA" ] || { echo "precision_cpu.sh: $LPA not found: build first" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# name | config | overrides (a few hundred steps each, no evaluation in between)
workloads=(
  "surface_mlp|configs/surface.yaml|--set train.steps=300"
  "resnet20_fmnist|configs/fashion_mnist_resnet.yaml|--set train.steps=30 --set data.train_limit=4096"
  "byte_lm|configs/lm_sotu.yaml|--set train.steps=40"
)
sps() { # run dir -> samples/s of the last logged row
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "samples_per_s") c = i } NR > 1 { gsub(/\r/, ""); v = $c } END { print v }' "$1/train_log.csv"
}
echo "workload,pair,fp32_samples_per_s,bf16_samples_per_s,ratio" > "$out.tmp"
for w in "${workloads[@]}"; do
  IFS='|' read -r name config sets <<< "$w"
  for p in $(seq 1 "$pairs"); do
    for prec in fp32 bf16; do
      # shellcheck disable=SC2086  # $sets holds whole "--set key=value" words
      "$LPA" train --config "$config" $sets --set train.precision=$prec --set train.threads="$THREADS" \
        --set train.log_every=10 --set eval.every=100000 --set eval.depths=1 --run-dir "$tmp/$name.$p.$prec" \
        > "$tmp/$name.$p.$prec.log" 2>&1 || { echo "precision_cpu.sh: $name $prec failed: $(tail -1 "$tmp/$name.$p.$prec.log")" >&2; exit 1; }
    done
    a=$(sps "$tmp/$name.$p.fp32"); b=$(sps "$tmp/$name.$p.bf16")
    echo "$name,$p,$a,$b,$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')" >> "$out.tmp"
  done
done
mv "$out.tmp" "$out"
echo "bf16 / fp32 samples per second (this CPU, $THREADS threads, $pairs alternating pairs):"
awk -F, 'NR > 1 { r[$1] = r[$1] " " $5 } END { for (w in r) print "  " w ":" r[w] }' "$out"
