#!/usr/bin/env bash
# Data-parallel throughput on this machine: the same config and global batch trained by
# 1 process (1 and N threads) and by N processes of 1 thread each (Gloo over 127.0.0.1,
# torchrun-style environment). Prints training samples/s of each and the ratios.
#   scripts/bench/ddp_throughput.sh                      # surface MLP, width 256, batch 256
#   STEPS=400 PROCS=2 scripts/bench/ddp_throughput.sh --set model.width=512
# Environment: LPA (binary, default build/lpa), STEPS (default 300), PROCS (default 2),
# OUT (run folders, default /tmp/lpa-bench-ddp). Extra arguments go to every `lpa train`.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Idle OpenMP threads sleep instead of spinning: on a busy 2-core machine spinning threads of
# one process starve the others (and a 2-thread run crawls). Override with OMP_WAIT_POLICY=active.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
LPA=${LPA:-build/lpa}
STEPS=${STEPS:-300}
PROCS=${PROCS:-2}
OUT=${OUT:-/tmp/lpa-bench-ddp}
rm -rf "$OUT"
mkdir -p "$OUT"

common=(--config configs/surface.yaml --set train.steps="$STEPS" --set eval.every=1000000
        --set train.log_every=50 --set model.width=256 --set model.depth=8 --set data.batch_size=256
        --set data.n_train=16384 --set train.warmup_steps=0 --set eval.depths=1,8 "$@")

# samples/s over the logged rows after the first (the first includes warm-up).
rate() {
  awk -F, -v b=256 '{sub(/\r$/, "")} NR==2 {s0=$1+0; t0=$NF+0} NR>2 {s=$1+0; t=$NF+0} END {if (t>t0) printf "%.0f", (s-s0)*b/(t-t0); else print "nan"}' "$1/train_log.csv"
}

run_single() {  # threads, name
  "$LPA" train "${common[@]}" --set train.threads="$1" --run-dir "$OUT/$2" >"$OUT/$2.log" 2>&1
}

run_parallel() {  # procs, name
  local port=$((29600 + RANDOM % 1000)) pids=() status=0
  for ((r = 0; r < $1; r++)); do
    RANK=$r WORLD_SIZE=$1 LOCAL_RANK=$r LOCAL_WORLD_SIZE=$1 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
      "$LPA" train "${common[@]}" --set train.threads=1 --run-dir "$OUT/$2" >"$OUT/$2.rank$r.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || status=$?; done
  return $status
}

run_single 1 one_proc_1thread
run_single "$PROCS" "one_proc_${PROCS}threads"
run_parallel "$PROCS" "${PROCS}_procs"

a=$(rate "$OUT/one_proc_1thread"); b=$(rate "$OUT/one_proc_${PROCS}threads"); c=$(rate "$OUT/${PROCS}_procs")
echo "config: surface MLP depth 8 width 256, global batch 256, $STEPS steps, $(nproc) cores, OMP_WAIT_POLICY=$OMP_WAIT_POLICY, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-28s %12s %8s\n" "setup" "samples/s" "ratio"
printf "%-28s %12s %8s\n" "1 process x 1 thread" "$a" "1.00"
printf "%-28s %12s %8s\n" "1 process x $PROCS threads" "$b" "$(awk -v x="$b" -v y="$a" 'BEGIN{printf "%.2f", x/y}')"
printf "%-28s %12s %8s\n" "$PROCS processes x 1 thread" "$c" "$(awk -v x="$c" -v y="$a" 'BEGIN{printf "%.2f", x/y}')"
