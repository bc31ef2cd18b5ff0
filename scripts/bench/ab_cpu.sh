#!/usr/bin/env bash
# Two ways of running the same `lpa train` workloads, A and B, alternating on this machine: for
# each workload, PAIRS pairs of runs (A then B), each reporting its steady samples/s (the last
# row of train_log.csv); prints the B / A ratios and writes them to OUT. Timings here drift up to
# 5x within minutes, so only ratios from alternating runs mean something.
#   A_LPA, B_LPA     the binaries (default build/lpa for both)
#   A_SETS, B_SETS   extra "--set key=value" words for each side
#   A_NAME, B_NAME   column names (default a, b)
#   scripts/bench/ab_cpu.sh PAIRS OUT "name|config|--set k=v ..." ...   (one argument per workload)
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs="${1:?pairs}"; out="${2:?output csv}"; shift 2
workloads=("$@")
[ "${#workloads[@]}" -gt 0 ] || { echo "ab_cpu.sh: no workload given" >&2; exit 2; }
A_LPA=${A_LPA:-build/lpa}; B_LPA=${B_LPA:-build/lpa}; A_NAME=${A_NAME:-a}; B_NAME=${B_NAME:-b}
THREADS=${THREADS:-2}
for bin in "$A_LPA" "$B_LPA"; do [ -x "$bin" ] || { echo "ab_cpu.sh: $bin not found: build first" >&2; exit 2; }; done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
sps() { # run dir -> samples/s of the last logged row
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "samples_per_s") c = i } NR > 1 { gsub(/\r/, ""); v = $c } END { print v }' "$1/train_log.csv"
}
echo "workload,pair,${A_NAME}_samples_per_s,${B_NAME}_samples_per_s,ratio" > "$out.tmp"
for w in "${workloads[@]}"; do
  IFS='|' read -r name config sets <<< "$w"
  for p in $(seq 1 "$pairs"); do
    for side in A B; do
      bin_var=${side}_LPA; sets_var=${side}_SETS
      # shellcheck disable=SC2086  # $sets and the side's sets hold whole "--set key=value" words
      "${!bin_var}" train --config "$config" $sets ${!sets_var:-} --set train.threads="$THREADS" \
        --set train.log_every=10 --set eval.every=100000 --set eval.depths=1 --run-dir "$tmp/$name.$p.$side" \
        > "$tmp/$name.$p.$side.log" 2>&1 || { echo "ab_cpu.sh: $name $side failed: $(tail -1 "$tmp/$name.$p.$side.log")" >&2; exit 1; }
    done
    a=$(sps "$tmp/$name.$p.A"); b=$(sps "$tmp/$name.$p.B")
    echo "$name,$p,$a,$b,$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')" >> "$out.tmp"
  done
done
mv "$out.tmp" "$out"
echo "$B_NAME / $A_NAME samples per second (this CPU, $THREADS threads, $pairs alternating pairs; $out):"
for w in "${workloads[@]}"; do
  name=${w%%|*}
  ratios=$(awk -F, -v w="$name" '$1 == w { print $5 }' "$out" | sort -n)
  median=$(echo "$ratios" | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  echo "  $name: median $median (pairs: $(echo $ratios))"
done
