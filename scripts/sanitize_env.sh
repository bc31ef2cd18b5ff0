# Sourced by scripts/test.sh --sanitize and scripts/fuzz.sh: the sanitized build and the
# sanitizer runtime options both use (docs/testing.md).
LPA_SANITIZE_BUILD=${LPA_SANITIZE_BUILD:-build-asan}
supp="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/sanitize"

# Configures (once) and builds `targets` in the clang ASan + UBSan + libFuzzer build.
lpa_build_sanitized() {
  if [ ! -f "$LPA_SANITIZE_BUILD/CMakeCache.txt" ]; then
    command -v clang++ >/dev/null || { echo "clang++ not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
    cmake -S . -B "$LPA_SANITIZE_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DLPA_FUZZ=ON
  fi
  cmake --build "$LPA_SANITIZE_BUILD" -j "$(env -u OMP_NUM_THREADS nproc 2>/dev/null || echo 2)" --target "$@"
}

# A report in lpa's code fails the process; reports from inside LibTorch and other prebuilt
# libraries are suppressed by the checked-in files (never lpa's own code).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=0:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="suppressions=$supp/ubsan.supp:halt_on_error=1:print_stacktrace=1:print_suppressions=0${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
