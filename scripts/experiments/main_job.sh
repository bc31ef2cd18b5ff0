#!/usr/bin/env bash
# The README's main-job tables: configs/surface.yaml (the shipped LPA recipe) against
# configs/surface_e2e.yaml, and the same net with the other objectives users reach for first:
# the recipe before final_weight won docs/results_variants_quick.md (loss.final_weight=0), uniform
# weights, local and sequential modes. Every run takes the configs' own budget on one thread,
# two at a time. Prints test MSE per depth (markdown) from each run's per_depth.csv, the
# depth-N ratio to E2E and the rises with depth. Re-running with the runs present only prints.
#   scripts/experiments/main_job.sh [RUNS_ROOT]     # RUNS_ROOT default runs/experiments/main_job
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/experiments/run_files.sh
source scripts/experiments/run_files.sh
root="${1:-runs/experiments/main_job}"
LPA=${LPA:-build/lpa}
[ -x "$LPA" ] || { echo "main_job.sh: $LPA not found: build first (scripts/setup.sh --no-train)" >&2; exit 2; }

arms=(shipped final_weight_0 uniform local sequential e2e)
sets_of() {
  case "$1" in
    shipped|e2e) ;;
    final_weight_0) echo "--set loss.final_weight=0" ;;
    uniform) echo "--set loss.final_weight=0 --set loss.weights=uniform" ;;
    local) echo "--set loss.final_weight=0 --set loss.mode=local" ;;
    sequential) echo "--set loss.final_weight=0 --set loss.mode=sequential" ;;
  esac
}
train() { # arm -> trains it into $root/<arm> unless it is finished
  local arm="$1" config=configs/surface.yaml
  [ "$arm" = e2e ] && config=configs/surface_e2e.yaml
  [ -f "$root/$arm/per_depth.csv" ] && return 0
  # shellcheck disable=SC2046  # sets_of prints whole "--set key=value" words
  "$LPA" train --config "$config" --set train.threads=1 --set experiment.name="main_$arm" \
    $(sets_of "$arm") --run-dir "$root/$arm" > "$root/$arm.log" 2>&1 ||
    { echo "main_job.sh: $arm failed: see $root/$arm.log" >&2; return 1; }
}
mkdir -p "$root"
printf '%s\n' "${arms[@]}" | xargs -P 2 -I{} bash -c "$(declare -f train sets_of); root='$root' LPA='$LPA' train {}"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
column "$root/e2e" depth > "$tmp/depth"
for a in "${arms[@]}"; do column "$root/$a" mse > "$tmp/$a"; done

# table DEPTHS ARM... : one row per depth in DEPTHS (all when "all").
table() {
  local depths="$1"; shift
  local header="| depth |" rule="|---:|" files=("$tmp/depth")
  for a in "$@"; do header+=" $a |"; rule+="---:|"; files+=("$tmp/$a"); done
  echo "$header"; echo "$rule"
  paste -d, "${files[@]}" | awk -F, -v keep="$depths" '
    BEGIN { n = split(keep, k, " "); for (i = 1; i <= n; i++) want[k[i]] = 1 }
    keep == "all" || ($1 in want) { printf "| %s |", $1; for (i = 2; i <= NF; i++) printf " %.3g |", $i; printf "\n" }'
}
echo "Test MSE per depth ($root, configs/surface.yaml and configs/surface_e2e.yaml, one thread each):"
echo
table all shipped final_weight_0 e2e
echo
table "1 2 4 8 12 16" shipped final_weight_0 uniform local sequential e2e
echo
for a in "${arms[@]}"; do
  paste -d, "$tmp/$a" "$tmp/e2e" | awk -F, -v arm="$a" '
    NR > 1 && $1 > prev * 1.02 { rises++ } { prev = $1; last = $1; e2e = $2 }
    END { printf "%s: depth N MSE %.3g = %.2fx E2E'"'"'s, %d rises > 2%% with depth\n", arm, last, last / e2e, rises }'
done
for a in "${arms[@]}"; do
  wall=$(training_seconds "$root/$a")
  echo "$a: $root/$a, ${wall} s of training"
done
