#!/usr/bin/env bash
# Command 2 of the README: build (if needed) and run the whole test suite with CTest.
#   scripts/test.sh              # everything
#   scripts/test.sh -R config    # only tests whose name matches
#   scripts/test.sh --sanitize   # the tests under ASan + UBSan (clang build in build-asan/)
#   scripts/test.sh --sanitize -R config
# --sanitize runs every test but the Slurm ones (jobs on a local cluster, minutes each) and the
# Python interop test (Python's side is not instrumented): the CLI tests run the sanitized `lpa`
# binary (docs/testing.md). Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
# Cores for parallel jobs: GNU nproc would report OMP_NUM_THREADS when it is set.
jobs=$(env -u OMP_NUM_THREADS nproc 2>/dev/null || echo 2)
if [ "${1:-}" = --sanitize ]; then
  shift
  # shellcheck source=scripts/sanitize_env.sh
  source scripts/sanitize_env.sh
  lpa_build_sanitized lpa lpa_tests
  exclude='^slurm[ :]|^slurm_cluster_stop$|^python_'
  cd "$LPA_SANITIZE_BUILD" && OMP_NUM_THREADS=1 ctest --output-on-failure -j "$jobs" --timeout 900 -E "$exclude" "$@"
  exit
fi
if [ ! -f build/CMakeCache.txt ]; then cmake -S . -B build -DCMAKE_BUILD_TYPE=Release; fi
cmake --build build -j "$jobs"
# Each test pins LibTorch to one thread; run as many tests as there are cores.
cd build && OMP_NUM_THREADS=1 ctest --output-on-failure -j "$jobs" --timeout 900 "$@"
