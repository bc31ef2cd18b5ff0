#!/usr/bin/env bash
# The one GPU check (device tool, ~15 minutes in all): build lpa against the machine's pip
# PyTorch 2.x with CUDA, run the test suite, train the shipped configs on the GPU for a short
# while, and benchmark. Run scripts/gpu/stage.sh here first and carry .deps and .gpu_data.
# Everything worth keeping goes to $OUT: check.log (all output), runs.tar.gz (run directories).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/lpa_gpu_out}
mkdir -p "$OUT"
exec > >(tee "$OUT/check.log") 2>&1
J=$(nproc)
section() { echo; echo "=== $* ($(date +%T))"; }

section environment
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
python3 -c 'import torch,sys; print("torch", torch.__version__, "cuda", torch.version.cuda, "abi", int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(torch.utils.cmake_prefix_path)'
TORCH_PREFIX=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
ABI=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
TORCH_DIR=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')
# pip's NCCL lives in the nvidia-nccl wheel; gloo's headers ship inside torch/include.
export NCCL_INCLUDE_DIR=$(python3 -c 'import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], "include"))' 2>/dev/null)
echo "NCCL_INCLUDE_DIR=$NCCL_INCLUDE_DIR"
cmake --version | head -1; g++ --version | head -1; which ninja

section "yaml-cpp (built with LibTorch's ABI=$ABI)"
cmake -S .deps/src/yaml-cpp-yaml-cpp-0.7.0 -B /tmp/yaml-build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DYAML_CPP_BUILD_TESTS=OFF -DYAML_CPP_BUILD_TOOLS=OFF -DYAML_CPP_BUILD_CONTRIB=OFF \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_FLAGS="-D_GLIBCXX_USE_CXX11_ABI=$ABI" \
  -DCMAKE_INSTALL_PREFIX=/tmp/yaml-install >/tmp/yaml.log 2>&1 &&
  cmake --build /tmp/yaml-build -j "$J" >>/tmp/yaml.log 2>&1 && cmake --install /tmp/yaml-build >>/tmp/yaml.log 2>&1 ||
  { tail -30 /tmp/yaml.log; exit 1; }

section "configure and build lpa"
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;/tmp/yaml-install" -DCMAKE_INCLUDE_PATH="$PWD/.deps/include;$TORCH_DIR/include" \
  >/tmp/configure.log 2>&1 || { tail -40 /tmp/configure.log; exit 1; }
grep -E "lpa:|Found Torch|CUDA|NCCL|Python" /tmp/configure.log | head
grep -E "LPA_HAVE_(GLOO|NCCL|CUDA)" build-gpu/CMakeCache.txt build-gpu/build.ninja 2>/dev/null | grep -oE "LPA_HAVE_[A-Z]+=1" | sort -u
time cmake --build build-gpu -j "$J" >/tmp/build.log 2>&1 || { grep -B2 -A12 "error" /tmp/build.log | head -120; exit 1; }
cmake --build build-gpu --target bench_forward_all -j "$J" >/dev/null 2>&1
build-gpu/lpa --version

section "test suite (CPU tests, against LibTorch 2.x)"
(cd build-gpu && OMP_NUM_THREADS=1 timeout 240 ctest -j "$J" --timeout 200 2>&1 | tail -25)

section "c10d against this LibTorch: Gloo 2 ranks, NCCL 1 rank"
CXXSTD=c++20 timeout 120 scripts/gpu/check_dist_libtorch.sh 2>&1 | tail -15

section "GPU training: surface LPA vs E2E"
mkdir -p /tmp/runs
for c in surface surface_e2e; do
  timeout 120 build-gpu/lpa train --config configs/$c.yaml --set train.device=cuda --run-dir /tmp/runs/$c 2>&1 |
    grep -vE "^\[.*step [0-9]+/" | tail -24
done

section "forward_all cost on the GPU"
build-gpu/bench_forward_all 1 200 cuda
build-gpu/bench_forward_all 4096 100 cuda

if [ -f configs/fashion_mnist_resnet.yaml ]; then
  section "GPU training: Fashion-MNIST ResNet LPA vs E2E"
  for c in fashion_mnist_resnet fashion_mnist_resnet_e2e; do  # ~30 s each on one H100/H200
    timeout 150 build-gpu/lpa train --config configs/$c.yaml --set train.device=cuda \
      --set data.root=.gpu_data/fashion-mnist ${LPA_GPU_IMAGE_ARGS:-} --run-dir /tmp/runs/$c 2>&1 | tail -30
  done
fi
if [ -f configs/lm_sotu.yaml ]; then
  section "GPU training: byte-level LM on State of the Union, LPA vs E2E"
  for c in lm_sotu lm_sotu_e2e; do
    timeout 150 build-gpu/lpa train --config configs/$c.yaml --set train.device=cuda \
      --set data.files=.gpu_data/sotu ${LPA_GPU_LM_ARGS:-} --run-dir /tmp/runs/$c 2>&1 | tail -30
  done
fi
if build-gpu/lpa bench --help >/dev/null 2>&1; then
  section "per-depth latency on the GPU"
  for r in /tmp/runs/*/; do timeout 60 build-gpu/lpa bench --run "$r" --device cuda 2>&1 | tail -20; done
fi

section done
tar -czf "$OUT/runs.tar.gz" -C /tmp runs 2>/dev/null
