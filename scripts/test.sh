#!/usr/bin/env bash
# Command 2 of the README: build (if needed) and run the whole test suite with CTest.
#   scripts/test.sh              # everything
#   scripts/test.sh -R config    # only tests whose name matches
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
if [ ! -f build/CMakeCache.txt ]; then cmake -S . -B build -DCMAKE_BUILD_TYPE=Release; fi
cmake --build build -j "$jobs"
# Each test pins LibTorch to one thread; run as many tests as there are cores.
cd build && OMP_NUM_THREADS=1 ctest --output-on-failure -j "$jobs" --timeout 900 "$@"
