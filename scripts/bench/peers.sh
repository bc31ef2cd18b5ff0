#!/usr/bin/env bash
# Training steps per second of lpa against the same models in plain PyTorch Python on the same
# LibTorch (Debian's python3-torch, the build lpa links), E2E and LPA, in alternating runs.
#   scripts/bench/peers.sh [--only mlp,mlp_small,resnet20,gpt] [--pairs 5] [--steps S]
#                          [--threads 2] [--device cpu] [--precision fp32|tf32|bf16]
#                          [--e2e-heads last|all] [--lpa-set KEY=VALUE]... [--csv FILE]
#   LPA=path/to/lpa scripts/bench/peers.sh ...        (default build/lpa)
# Workloads (configs/bench/): mlp = residual MLP 16x256, batch 1024, Adam (peers_mlp.yaml);
# mlp_small = 8x64, batch 128 (peers_mlp_small.yaml); resnet20 = CIFAR ResNet-20, batch 128,
# SGD (resnet20_cifar_step.yaml without augmentation); gpt = byte GPT 6x256, 4 heads, context
# 128, batch 16, AdamW (peers_gpt.yaml). Objectives: E2E (loss.kind=e2e) and lpa's shipped LPA
# (joint, linear depth weights, the deepest exit weighing as much as the others together). Data is random, in lpa's formats.
#
# Each run trains 10 warm-up steps and then S timed ones (S: a multiple of 10; by default 50,
# 300, 30, 20 per workload, so that runs take comparable time). lpa's rate is its training
# loop's own (samples_per_s of train_log.csv rows after the warm-up, a row every 10 steps);
# scripts/bench/peers_train.py reads the config `lpa config` resolves for that very run and
# times the same steps in the same 10-step windows. Both report the median window. Per
# workload and pair, each objective runs lpa then Python, so a change in machine load hits
# both sides (and both objectives) alike; the table shows medians over the pairs, their ratio,
# and LPA's step time over E2E's on each side. Threads default to 2, all the cores of the
# machine issue 11's targets are for; --threads 1 is steadier while other jobs run.
# --e2e-heads: the Python E2E step runs only the deepest head (`last`, a plain E2E script) or
# every head (`all`: what lpa's E2E step does on steps that log; on every step before issue 11's
# lean step).
# --lpa-set: an extra config override for lpa's side only (repeatable), e.g.
# train.cuda_graph=true: the same model and steps, replayed from CUDA graphs.
# Before reporting, every pair's parameter count at every depth is compared (lpa's per_depth.csv
# against the Python model's): a difference stops the script (exit 1).
set -euo pipefail
py=${PYTHON:-/usr/bin/python3}   # Debian's interpreter, where python3-torch lives (the GPU check: pip's)
lpa=${LPA:-build/lpa}
bench=scripts/bench
warmup=10             # also train.log_every: the warm-up ends on a log row

workloads=(mlp mlp_small resnet20 gpt)
declare -A config=([mlp]=configs/bench/peers_mlp.yaml [mlp_small]=configs/bench/peers_mlp_small.yaml
                   [resnet20]=configs/bench/resnet20_cifar_step.yaml [gpt]=configs/bench/peers_gpt.yaml)
declare -A default_steps=([mlp]=50 [mlp_small]=300 [resnet20]=30 [gpt]=20)

usage_error() { echo "peers.sh: $*" >&2; exit 2; }
positive_int() { [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "$1: expected a positive integer, got '$2'"; }

only=$(IFS=,; echo "${workloads[*]}")
pairs=5 steps="" threads=2 device=cpu precision=fp32 e2e_heads=last csv_out=""
lpa_sets=()
while [ $# -gt 0 ]; do
  if [[ $1 == --*=* ]]; then set -- "${1%%=*}" "${1#*=}" "${@:2}"; fi
  if [[ $1 =~ ^(-h|--help)$ ]]; then sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; fi
  [ $# -ge 2 ] || usage_error "$1: needs a value (see the header of $0)"
  case $1 in
    --only) only=$2 ;;
    --pairs) positive_int "$1" "$2"; pairs=$2 ;;
    --steps) positive_int "$1" "$2"; steps=$2 ;;
    --threads) positive_int "$1" "$2"; threads=$2 ;;
    --device) device=$2 ;;
    --precision) precision=$2 ;;
    --e2e-heads) e2e_heads=$2 ;;
    --csv) csv_out=$2 ;;
    --lpa-set) [[ $2 =~ ^[a-z_]+\.[a-z_0-9]+=.+$ ]] || usage_error "--lpa-set: expected section.key=value, got '$2'"
      lpa_sets+=(--set "$2") ;;
    *) usage_error "unknown option '$1' (options: --only --pairs --steps --threads --device --precision --e2e-heads --lpa-set --csv)" ;;
  esac
  shift 2
done
IFS=, read -r -a chosen <<<"$only"
[ ${#chosen[@]} -gt 0 ] || usage_error "--only: name at least one workload (${workloads[*]})"
for w in "${chosen[@]}"; do
  [[ -n $w && -n ${config[$w]+set} ]] || usage_error "--only: unknown workload '$w' (${workloads[*]})"
done
[ -z "$steps" ] || [ $((steps % warmup)) -eq 0 ] || usage_error "--steps: must be a multiple of $warmup, got $steps"
[[ $device =~ ^(cpu|cuda|cuda:[0-9]+)$ ]] || usage_error "--device: cpu, cuda or cuda:N, got '$device'"
[[ $e2e_heads =~ ^(last|all)$ ]] || usage_error "--e2e-heads: last or all, got '$e2e_heads'"
[[ $precision =~ ^(fp32|tf32|bf16)$ ]] || usage_error "--precision: fp32, tf32 or bf16, got '$precision'"
[ -z "$csv_out" ] || [ -d "$(dirname "$csv_out")" ] || usage_error "--csv: no folder $(dirname "$csv_out")"
# Paths the caller gave are relative to where it stands; the default binary, to the checkout.
[ -z "$csv_out" ] || [[ $csv_out = /* ]] || csv_out=$PWD/$csv_out
[ -z "${LPA:-}" ] || [[ $lpa = /* ]] || lpa=$PWD/$lpa
cd "$(dirname "$0")/../.."
[ -x "$lpa" ] || usage_error "no lpa binary at $lpa (build it, or set LPA)"
$py -c "import torch, yaml" 2>/dev/null ||
  usage_error "$py cannot import torch and yaml (apt install python3-torch python3-yaml)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/runs" "$tmp/cifar" "$tmp/text"
for w in "${chosen[@]}"; do
  case $w in
    resnet20) $py $bench/peers_data.py cifar10 "$tmp/cifar" ;;
    gpt) $py $bench/peers_data.py text "$tmp/text" ;;
  esac
done

# The --set overrides of one workload and objective.
sets_for() {
  local w=$1 objective=$2 s
  s=(--set train.threads="$threads" --set train.device="$device" --set train.precision="$precision"
     --set train.log_every="$warmup"
     --set train.steps=$((warmup + ${steps:-${default_steps[$w]}})))
  case $w in
    resnet20) s+=(--set data.root="$tmp/cifar" --set data.augment=false --set output.tensorboard=false) ;;
    gpt) s+=(--set "data.files=[$tmp/text]") ;;
  esac
  if [ "$objective" = e2e ]; then s+=(--set loss.kind=e2e)
  else s+=(--set loss.kind=lpa --set loss.mode=joint --set loss.weights=linear --set loss.final_weight=1); fi
  printf '%s\n' "${s[@]}"
}

# "steps_per_s X" and "params_at_depth n_1 ... n_N" lines -> the value after KEY.
field() { sed -n "s/^$1 //p" <<<"$2"; }

run_lpa() {
  local run=$tmp/runs/$1_$2_$3
  if ! "$lpa" train --config "${config[$1]}" --run-dir "$run" "${sets[@]}" ${lpa_sets[@]+"${lpa_sets[@]}"} >"$run.log" 2>&1; then
    tail -n 20 "$run.log" >&2
    echo "peers.sh: lpa train failed on $1 $2 (log above)" >&2
    exit 1
  fi
  $py $bench/peers_lpa_run.py "$run" "$warmup"
}

run_torch() { $py $bench/peers_train.py "$tmp/$1_$2.yaml" --warmup "$warmup" --e2e-heads "$e2e_heads"; }

records=$tmp/records.tsv
: >"$records"
for w in "${chosen[@]}"; do
  for objective in e2e lpa; do
    mapfile -t sets < <(sets_for "$w" "$objective")
    "$lpa" config --config "${config[$w]}" "${sets[@]}" >"$tmp/${w}_$objective.yaml"
  done
  for pair in $(seq "$pairs"); do
    for objective in e2e lpa; do
      mapfile -t sets < <(sets_for "$w" "$objective")
      mine=$(run_lpa "$w" "$objective" "$pair")
      theirs=$(run_torch "$w" "$objective")
      n_lpa=$(field params_at_depth "$mine") n_torch=$(field params_at_depth "$theirs")
      if [ "$n_lpa" != "$n_torch" ]; then
        echo "peers.sh: $w: the models differ; parameters at depths 1..N: lpa $n_lpa, PyTorch $n_torch" >&2
        exit 1
      fi
      r_lpa=$(field steps_per_s "$mine") r_torch=$(field steps_per_s "$theirs")
      echo "[$w $objective pair $pair/$pairs] lpa $r_lpa steps/s, PyTorch $r_torch steps/s;" \
        "parameters ${n_lpa##* } on both sides (PyTorch total $(field params_total "$theirs"))" >&2
      printf '%s\t%s\tlpa\t%s\t%s\t%s\n' "$w" "$objective" "$pair" "$r_lpa" "${n_lpa##* }" >>"$records"
      printf '%s\t%s\ttorch\t%s\t%s\t%s\n' "$w" "$objective" "$pair" "$r_torch" "${n_lpa##* }" >>"$records"
    done
  done
done

step_list=$(for w in "${chosen[@]}"; do printf '%s=%s,' "$w" "${steps:-${default_steps[$w]}}"; done)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
torch_version=$($py -c 'import torch; print(torch.__version__)')
echo "lpa ($lpa${lpa_sets[*]+ ${lpa_sets[*]}}) vs PyTorch $torch_version Python, $device, $precision, $threads thread(s), $pairs pair(s)," \
  "$cpu, load average now $(cut -d' ' -f1-3 /proc/loadavg)"
report=(--threads "$threads" --steps "${step_list%,}" --e2e-heads "$e2e_heads")
[ -z "$csv_out" ] || report+=(--csv "$csv_out")
$py $bench/peers_report.py "$records" "${report[@]}"
