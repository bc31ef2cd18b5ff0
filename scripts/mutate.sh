#!/usr/bin/env bash
# Mutation check of the test suite: applies each deliberate breakage listed in
# scripts/mutations.ini alone, rebuilds, runs the tests and reports whether the suite caught it
# (some test failed). A breakage the suite misses is a behaviour no test guards.
#
#   scripts/mutate.sh                       # every mutation; report in build-mutate/mutation_report.md
#   scripts/mutate.sh --only stop_gradient,sampler_seek
#   scripts/mutate.sh --quick               # only the tests named for each mutation, no full-suite fallback
#   scripts/mutate.sh --list
#
# Per mutation, the tests named in its `tests` regex run first; when one fails the mutation is
# caught (a failing subset fails the suite). Otherwise the whole suite runs (unless --quick).
# Runs outside CI: it rebuilds once per mutation (~1-2 min each on 2 cores). The tree is restored
# on exit, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=build-mutate
ONLY=""
QUICK=0
LIST=0
PY=${LPA_MUTATE_PYTHON:-python3}
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="$2"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --list) LIST=1; shift ;;
    --build-dir) BUILD="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "mutate.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

TOOL="$ROOT/scripts/mutate_tool.py"
MUTATIONS="$ROOT/scripts/mutations.ini"
if [ "$LIST" = 1 ]; then "$PY" "$TOOL" list "$MUTATIONS"; exit 0; fi
"$PY" "$TOOL" check "$MUTATIONS"  # every `find` text occurs where it should, before anything is built

jobs=$(env -u OMP_NUM_THREADS nproc 2>/dev/null || echo 2)
build() { cmake --build "$BUILD" -j "$jobs" >"$BUILD/mutate_build.log" 2>&1; }
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
echo "mutate.sh: building the unmodified tree in $BUILD"
build || { echo "mutate.sh: the unmodified tree does not build (see $BUILD/mutate_build.log)" >&2; exit 1; }

ids=$("$PY" "$TOOL" ids "$MUTATIONS" "$ONLY")
run_tests() { # regex ('' = all) -> 0 when every test passed; names of failures in $BUILD/failed.txt
  local args=(--timeout 300 -j "$jobs")
  if [ -n "$1" ]; then args+=(-R "$1"); fi
  local rc=0
  (cd "$BUILD" && OMP_NUM_THREADS=1 ctest "${args[@]}" >"mutate_ctest.log" 2>&1) || rc=$?
  grep -E '^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted|Child aborted|Exception|Not Run)' \
    "$BUILD/mutate_ctest.log" | sed -E 's/^\s+[0-9]+ - //' >"$BUILD/failed.txt" || true
  return $rc
}

# Baseline: the tests named by the selected mutations must pass on the unmodified tree, or a
# "caught" would mean nothing.
regexes=$(for id in $ids; do "$PY" "$TOOL" get "$MUTATIONS" "$id" tests; done | sort -u | paste -sd'|')
echo "mutate.sh: baseline run of the named tests"
if ! run_tests "$regexes"; then
  echo "mutate.sh: these tests fail on the unmodified tree; fix them first:" >&2
  cat "$BUILD/failed.txt" >&2
  exit 1
fi

restore() { "$PY" "$TOOL" restore "$MUTATIONS" >/dev/null 2>&1 || true; }
trap 'restore; echo "mutate.sh: interrupted, tree restored" >&2; exit 130' INT TERM
trap restore EXIT

REPORT="$BUILD/mutation_report.md"
{
  echo "# Mutation report ($(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD))"
  echo
  echo "| mutation | file | result | failing tests |"
  echo "|---|---|---|---|"
} >"$REPORT"
caught=0; total=0; survived=()
for id in $ids; do
  total=$((total + 1))
  file=$("$PY" "$TOOL" get "$MUTATIONS" "$id" file)
  regex=$("$PY" "$TOOL" get "$MUTATIONS" "$id" tests)
  "$PY" "$TOOL" apply "$MUTATIONS" "$id"
  t0=$(date +%s)
  if ! build; then
    result="INVALID (does not compile)"
    failing=""
  elif ! run_tests "$regex"; then
    result="caught"
    failing=$(paste -sd';' "$BUILD/failed.txt")
  elif [ "$QUICK" = 0 ] && ! run_tests ""; then
    result="caught (outside its named tests)"
    failing=$(paste -sd';' "$BUILD/failed.txt")
  else
    result="SURVIVED"
    failing=""
  fi
  restore
  case "$result" in caught*) caught=$((caught + 1)) ;; *) survived+=("$id") ;; esac
  printf 'mutate.sh: %-32s %-34s %4ss  %s\n' "$id" "$result" "$(( $(date +%s) - t0 ))" "${failing:0:120}"
  echo "| $id | $file | $result | ${failing//|/\\|} |" >>"$REPORT"
done
build || true  # leave the build matching the restored tree
{
  echo
  echo "$caught of $total mutations caught."
  if [ "${#survived[@]}" -gt 0 ]; then echo "Not caught: ${survived[*]}"; fi
} >>"$REPORT"
echo "mutate.sh: $caught of $total mutations caught; report in $REPORT"
[ "$caught" = "$total" ]
