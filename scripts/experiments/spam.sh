#!/usr/bin/env bash
# The README's spam table: configs/spam_transformer.yaml trained as shipped (mail headers
# stripped) and, with --compare, the same run reading the headers (data.strip_headers=false),
# both on one thread each, side by side. Prints test accuracy per depth from each run's
# per_depth.csv, with steps and wall time. Re-running with the runs present only prints.
#   scripts/experiments/spam.sh [--compare] [RUNS_ROOT]     # RUNS_ROOT default runs/experiments/spam
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/experiments/run_files.sh
source scripts/experiments/run_files.sh
compare=0
if [ "${1:-}" = --compare ]; then compare=1; shift; fi
root="${1:-runs/experiments/spam}"
variants=(stripped); [ "$compare" = 1 ] && variants+=(headers)

train() { # variant -> trains it into $root/<variant> unless it is finished
  local v="$1" extra=()
  [ "$v" = headers ] && extra=(--set data.strip_headers=false)
  [ -f "$root/$v/per_depth.csv" ] && return 0
  mkdir -p "$root"
  build/lpa train --config configs/spam_transformer.yaml --set train.threads=1 \
    --set experiment.name=spam_"$v" "${extra[@]}" --run-dir "$root/$v" > "$root/$v.log" 2>&1
}
pids=()
for v in "${variants[@]}"; do train "$v" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done

for v in "${variants[@]}"; do
  steps=$(awk -F, 'END { print $1 }' "$root/$v/train_log.csv")
  wall=$(training_seconds "$root/$v")
  echo "$v: $root/$v, $steps steps, ${wall} s of training (one thread)"
done
header="| depth |"; rule="|---:|"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
column "$root/${variants[0]}" depth > "$tmp/depth"
files=("$tmp/depth")
for v in "${variants[@]}"; do
  header+=" test accuracy ($v) |"; rule+="---:|"
  column "$root/$v" accuracy > "$tmp/$v"; files+=("$tmp/$v")
done
echo "$header"; echo "$rule"
paste -d, "${files[@]}" | awk -F, '{ printf "| %s |", $1; for (i = 2; i <= NF; i++) printf " %.3f |", $i; printf "\n" }'
