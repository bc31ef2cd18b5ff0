#!/usr/bin/env bash
# Fuzzes lpa's file readers with libFuzzer (docs/testing.md): builds the target(s) in the clang
# ASan + UBSan build (build-asan/, shared with scripts/test.sh --sanitize) and runs each from its
# seed corpus for SECONDS, printing executions and crashes. Exit 1 when any target crashed.
#   scripts/fuzz.sh config 60        # one target (tests/fuzz/fuzz_config.cpp) for a minute
#   scripts/fuzz.sh all 20           # every target, 20 s each (CI)
#   scripts/fuzz.sh list             # the targets
# New inputs go to build-asan/fuzz/corpus/<target>/ and crashing ones to
# build-asan/fuzz/crashes/<target>/; the checked-in seeds in tests/fuzz/corpus/ are only read.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/sanitize_env.sh
source scripts/sanitize_env.sh

targets=()
for f in tests/fuzz/fuzz_*.cpp; do
  t=$(basename "$f" .cpp); t=${t#fuzz_}
  [ "$t" = support ] || targets+=("$t")
done
if [ "${1:-}" = list ]; then printf '%s\n' "${targets[@]}"; exit 0; fi
if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS   (targets: ${targets[*]})" >&2; exit 2
fi
if [ "$1" = all ]; then run=("${targets[@]}"); else
  [[ " ${targets[*]} " == *" $1 "* ]] || { echo "fuzz.sh: no target '$1' (targets: ${targets[*]})" >&2; exit 2; }
  run=("$1")
fi
seconds=$2

lpa_build_sanitized "${run[@]/#/fuzz_}"

failed=()
total_execs=0
for t in "${run[@]}"; do
  work="$LPA_SANITIZE_BUILD/fuzz/corpus/$t" crashes="$LPA_SANITIZE_BUILD/fuzz/crashes/$t"
  mkdir -p "$work" "$crashes" "tests/fuzz/corpus/$t"
  log="$LPA_SANITIZE_BUILD/fuzz/$t.log"
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb / -malloc_limit_mb: a length field
  # that asks for gigabytes is a bug (the readers check lengths against the file size).
  # LibTorch runs on one thread, as the tests do.
  rc=0
  OMP_NUM_THREADS=1 "$LPA_SANITIZE_BUILD/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2560 -malloc_limit_mb=1024 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  execs=${execs:-0}
  total_execs=$((total_execs + execs))
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    artifact=$(grep -o "Test unit written to .*" "$log" | sed 's/Test unit written to //' | tail -n1 || true)
    echo "fuzz $t: CRASH after $execs executions (exit $rc): ${artifact:-see $log}"
    grep -E "^(==[0-9]+==ERROR|SUMMARY|lpa fuzz:|.*runtime error)" "$log" | head -n 5 | sed 's/^/    /' || true
  else
    echo "fuzz $t: $execs executions in ${seconds}s, 0 crashes"
  fi
done
echo "fuzz: ${#run[@]} target(s) x ${seconds}s, $total_execs executions, ${#failed[@]} crashed${failed:+: ${failed[*]}}"
[ "${#failed[@]}" -eq 0 ]
