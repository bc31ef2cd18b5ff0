#!/usr/bin/env bash
# Builds scripts/gpu/resnet_smoke.cpp with only the sources it needs against a LibTorch found
# through a Python torch install (default: python3 on PATH; TORCH_PY=/path/to/python), then runs
# it. Checks lpa's ResNet and image pipeline compile and run on that LibTorch (e.g. 2.x + CUDA).
#   scripts/gpu/resnet_smoke.sh [preset] [steps]        # default resnet56 300
set -euo pipefail
cd "$(dirname "$0")/../.."
# The LibTorch of a pip/conda torch install (headers under torch/include), else Debian's
# libtorch-dev (/usr/include, /usr/lib/<arch>).
py=${TORCH_PY:-python3}
tp=$($py -c "import torch, os; print(os.path.dirname(torch.__file__))" 2>/dev/null || true)
if [ -n "$tp" ] && [ -d "$tp/include/torch" ]; then
  inc="$tp/include"; lib="$tp/lib"
  abi=$($py -c "import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))")
else
  inc=/usr/include; lib=/usr/lib/$(gcc -print-multiarch); abi=1
fi
out=${BUILD_DIR:-build-resnet-smoke}
mkdir -p "$out"
srcs="config/resnet_layout data/batch_sampler data/cifar_format data/dataset data/image_augment
      data/image_dataset eval/meter eval/per_depth models/activation models/depthwise_model
      models/resnet objectives/depth_weights objectives/objective objectives/sequential
      objectives/task_loss train/optimizer"
sys_inc=""
[ "$inc" != /usr/include ] && sys_inc="-isystem $inc"   # re-adding /usr/include breaks libstdc++
flags="-O2 -std=c++17 -D_GLIBCXX_USE_CXX11_ABI=$abi -Isrc $sys_inc
       -isystem $inc/torch/csrc/api/include -include algorithm -include cmath -include map
       -include memory -include numeric -include string -include vector"
# One compiler per core: each needs ~1 GB for LibTorch's headers.
jobs=${JOBS:-$(nproc)}
objs=()
pids=()
compile() {  # source object
  # shellcheck disable=SC2086
  g++ $flags -c "$1" -o "$2" &
  pids+=($!)
  if [ "${#pids[@]}" -ge "$jobs" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
}
for s in $srcs; do
  o="$out/$(echo "$s" | tr / _).o"
  objs+=("$o")
  compile "src/lpa/$s.cpp" "$o"
done
compile scripts/gpu/resnet_smoke.cpp "$out/main.o"
for p in "${pids[@]}"; do wait "$p"; done
cuda_libs=()
[ -e "$lib/libtorch_cuda.so" ] && cuda_libs=(-Wl,--no-as-needed -ltorch_cuda -Wl,--as-needed)
g++ "$out/main.o" "${objs[@]}" -L"$lib" -Wl,--no-as-needed -ltorch -ltorch_cpu "${cuda_libs[@]}" -lc10 \
  -Wl,--as-needed -Wl,-rpath,"$lib" -o "$out/resnet_smoke"
"$out/resnet_smoke" "${1:-resnet56}" "${2:-300}"
