#!/usr/bin/env bash
# Reproduces docs/results.md: LPA against E2E, against networks trained alone at depths N/4 and
# N/2, and against E2E with probes, over 3 seeds, on every workload. Everything trains through
# `lpa sweep` files in configs/sweeps/reproduce/, so a cluster runs the same tasks with
# scripts/slurm/sweep.sbatch and this script then only writes the tables (--tables-only).
#
#   scripts/reproduce.sh                  # the full suite (cost: README, "Results")
#   scripts/reproduce.sh --quick          # shorter runs (wall times: <root>/timings.csv); docs/results_quick.md
#   scripts/reproduce.sh --only surfaces,sotu_lm
#   scripts/reproduce.sh --variants       # also the sweeps that chose the default recipe
#                                         # (<workload>_*.yaml: validation numbers only)
#   scripts/reproduce.sh --tables-only    # tables and figures from the runs already there
#   scripts/reproduce.sh --list           # resolve every task (with the --quick sets if given), train nothing
#   --jobs J   tasks at once (default: cores; each task uses one thread)
#   --root D   run folder (default runs/reproduce, runs/reproduce_quick with --quick)
#   --out F    the tables (default docs/results.md, docs/results_quick.md with --quick)
#   --only also takes a variant sweep's name (fmnist_resnet,fmnist_resnet_final_weight): trained
#   like a workload, tabled as that workload's variants.
#   --set K=V  a config key for every task (repeatable; after --quick's, so it wins): another
#              budget, say, with its own --root and --out
#   --arms A,B only the tasks of these arms (experiment.name), e.g. --arms lpa,e2e; a name no
#              chosen sweep has is refused
#
# Workloads: surfaces (residual MLP, 9 functions), fmnist_resnet (ResNet-20), fmnist_mlp,
# sotu_lm (byte-level Transformer). A task whose run finished is skipped, so an interrupted
# run of this script continues where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
LPA=${LPA:-build/lpa}
PY=${PY:-python3}
# The arguments that chose the runs, for the tables' header (--tables-only rewrites tables only).
invocation=""
for a in "$@"; do
  [ "$a" = --tables-only ] && continue
  if [[ "$a" =~ ^[A-Za-z0-9_.,=/:+-]+$ ]]; then invocation+=" $a"; else invocation+=" '$a'"; fi
done
# Cores for parallel jobs: GNU nproc would report OMP_NUM_THREADS when it is set.
quick=0 variants=0 tables_only=0 list_only=0 only=all root="" out="" jobs=$(env -u OMP_NUM_THREADS nproc 2>/dev/null || echo 2)
user_sets="" arms=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --variants) variants=1 ;;
    --tables-only) tables_only=1 ;;
    --list) list_only=1 ;;
    --only) only="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --root) root="$2"; shift ;;
    --out) out="$2"; shift ;;
    --set) [[ "$2" == *=* && "$2" != *" "* ]] || { echo "reproduce.sh: --set needs KEY=VALUE without spaces, got '$2'" >&2; exit 2; }
           user_sets+=" --set $2"; shift ;;
    --arms) arms="$2"; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "reproduce.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$root" ]; then root=runs/reproduce; [ "$quick" = 1 ] && root=runs/reproduce_quick; fi
if [ -z "$out" ]; then out=docs/results.md; [ "$quick" = 1 ] && out=docs/results_quick.md; fi
[ -x "$LPA" ] || { echo "reproduce.sh: $LPA not found: build first (scripts/setup.sh --no-train)" >&2; exit 2; }
workloads=(surfaces fmnist_resnet fmnist_mlp sotu_lm)
if [ "$only" != all ]; then IFS=, read -r -a workloads <<< "$only"; fi
for w in "${workloads[@]}"; do
  [ -f "configs/sweeps/reproduce/$w.yaml" ] || { echo "reproduce.sh: no workload '$w'" >&2; exit 2; }
done

# --quick: the same sweeps with fewer steps (and fewer images for the ResNet). The full suite
# uses the configs' own budgets.
quick_sets() {
  case "$1" in
    surfaces*) echo "train.steps=600 train.warmup_steps=30 eval.every=300" ;;
    fmnist_resnet*) echo "train.steps=240 train.warmup_steps=10 eval.every=240 data.train_limit=15360" ;;
    fmnist_mlp*) echo "train.steps=420 eval.every=420" ;;
    sotu_lm*) echo "train.steps=150 train.warmup_steps=15 eval.every=150" ;;
  esac
}

# One sweep task ($SWEEP, with the --set pairs in $SETS): train (skipped when done), probes
# for an E2E arm, then both
# the validation rows of per_depth.csv (variants are chosen on them) and the test rows, and,
# for LPA arms, what
# `lpa export --depth auto` picks.
run_task() {
  local index="$1" dir="$2" log="$2.log"
  mkdir -p "$(dirname "$dir")"
  # Appended, never overwritten: a later pass over a finished task (or one it refuses) must not
  # replace the log of the training it did.
  echo "== reproduce.sh pass $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$log"
  # shellcheck disable=SC2086  # SETS holds whole "--set key=value" words
  if ! "$LPA" sweep "$SWEEP" --task "$index" --root "$root" $SETS >> "$log" 2>&1; then
    echo "reproduce.sh: task $index of $SWEEP failed: see $log" >&2; return 1
  fi
  # E2E with probes: per-depth heads trained on the finished E2E run's frozen model (the same
  # steps; the deepest exit stays E2E's own), next to it as <task>_probes.
  if grep -q '^  name: e2e$' "$dir/config.yaml" && [ ! -f "${dir}_probes/per_depth.csv" ]; then
    "$LPA" train --probe-from "$dir" --run-dir "${dir}_probes" --set model.head=per_depth \
      --set experiment.name=e2e_probes >> "$log" 2>&1
  fi
  for d in "$dir" "${dir}_probes"; do
    [ -f "$d/per_depth.csv" ] || continue
    for split in val test; do
      if ! grep -q "^$split," "$d/per_depth.csv"; then "$LPA" eval --run "$d" --split $split >> "$log" 2>&1; fi
    done
  done
  if grep -q '^  kind: lpa' "$dir/config.yaml" && [ ! -f "$dir/export/auto.safetensors.yaml" ]; then
    "$LPA" export --run "$dir" --depth auto --format safetensors -o "$dir/export/auto.safetensors" >> "$log" 2>&1
  fi
}
export -f run_task
export LPA root

# The --set pairs of every task of sweep $1: --quick's presets, then the user's --set.
sweep_sets() {
  local sets=""
  if [ "$quick" = 1 ]; then for s in $(quick_sets "$1"); do sets+=" --set $s"; done; fi
  echo "$sets$user_sets"
}

# The task lines of `lpa sweep --list` (index, folder, sets) whose experiment.name is in --arms
# (all of them without --arms).
in_arms() {
  if [ -z "$arms" ]; then cat; return; fi
  awk -v arms="$arms" 'BEGIN { n = split(arms, a, ","); for (i = 1; i <= n; i++) want["experiment.name=" a[i]] = 1 }
    { split($3, kv, " "); for (k in kv) if (kv[k] in want) { print; next } }' FS='\t'
}

run_sweep() {
  export SWEEP="configs/sweeps/reproduce/$1.yaml" SETS
  SETS=$(sweep_sets "$1")
  local list n start=$SECONDS
  # shellcheck disable=SC2086
  list=$("$LPA" sweep "$SWEEP" --list --root "$root" $SETS)
  list=$(echo "$list" | grep $'^[0-9]' | in_arms || true)
  n=$(echo "$list" | grep -c $'^[0-9]' || true)
  echo "== $1: $n tasks in $root/$1 ($jobs at a time)"
  [ "$n" -gt 0 ] || { echo "   no task of $1 in --arms $arms"; return 0; }
  echo "$list" | cut -f1,2 | xargs -P "$jobs" -L 1 bash -c 'run_task "$@"' _ ||
    { echo "reproduce.sh: some tasks of $1 failed (their .log files say why)" >&2; return 1; }
  echo "   $1: $((SECONDS - start)) s"
  # Each pass's wall time per sweep, for the cost the README quotes (a resumed pass adds a row).
  [ -f "$root/timings.csv" ] || echo "sweep,tasks,jobs,seconds,finished" > "$root/timings.csv"
  echo "$1,$n,$jobs,$((SECONDS - start)),$(date +%Y-%m-%dT%H:%M:%S)" >> "$root/timings.csv"
}

# Every sweep this run trains: each workload, then (--variants) the sweeps that chose its recipe.
sweeps=()
for w in "${workloads[@]}"; do
  sweeps+=("$w")
  if [ "$variants" = 1 ]; then
    for v in configs/sweeps/reproduce/"${w}"_*.yaml; do [ -f "$v" ] && sweeps+=("$(basename "$v" .yaml)"); done
  fi
done

# --arms: a name no sweep here has (a typo, say) would train nothing and still write the tables.
if [ -n "$arms" ] && [ "$tables_only" = 0 ]; then
  names=$(for sw in "${sweeps[@]}"; do "$LPA" sweep "configs/sweeps/reproduce/$sw.yaml" --list --root "$root"; done |
          grep -o 'experiment\.name=[^ ]*' | sort -u)
  IFS=, read -r -a wanted <<< "$arms"
  for a in "${wanted[@]}"; do
    grep -qx "experiment\.name=$a" <<< "$names" ||
      { echo "reproduce.sh: --arms: no sweep of ${sweeps[*]} has an arm '$a'" >&2; exit 2; }
  done
fi

# --list: every sweep this run would train, each task's config resolved by `lpa sweep --list`.
if [ "$list_only" = 1 ]; then
  for sw in "${sweeps[@]}"; do
    sets=$(sweep_sets "$sw")
    # shellcheck disable=SC2086
    tasks=$("$LPA" sweep "configs/sweeps/reproduce/$sw.yaml" --list --root "$root" $sets)
    n=$(echo "$tasks" | grep $'^[0-9]' | in_arms | grep -c $'^[0-9]' || true)
    echo "$sw: $n tasks"
  done
  exit 0
fi

if [ "$tables_only" = 0 ]; then
  total=$SECONDS
  for sw in "${sweeps[@]}"; do run_sweep "$sw"; done
  echo "== trained in $((SECONDS - total)) s"
fi

mkdir -p "$(dirname "$out")"
quick_flag=()
[ "$quick" = 1 ] && quick_flag=(--quick)
"$PY" scripts/reproduce_tables.py --root "$root" --lpa "$LPA" --out "$out" --invocation "$invocation" "${quick_flag[@]}"
echo "wrote $out"
