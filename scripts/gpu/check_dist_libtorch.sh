#!/usr/bin/env bash
# Compiles src/lpa/dist/ (the one place lpa touches c10d) against the LibTorch of a pip torch
# (2.x, with CUDA where present) and runs scripts/gpu/dist_smoke.cpp: Gloo with two ranks, and
# NCCL with one rank where CUDA is there. Keeps the 1.13 (Debian) / 2.x split honest.
#   scripts/gpu/check_dist_libtorch.sh            # python3 must import torch
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
TORCH=$($PY -c 'import os, torch; print(os.path.dirname(torch.__file__))')
$PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cxx11abi", torch.compiled_with_cxx11_abi())'
ABI=$($PY -c 'import torch; print(int(torch.compiled_with_cxx11_abi()))')
defs=(-D_GLIBCXX_USE_CXX11_ABI="$ABI" -DUSE_DISTRIBUTED -DUSE_C10D_GLOO)
incs=(-Isrc -isystem "$TORCH/include" -isystem "$TORCH/include/torch/csrc/api/include")
libs=(-L"$TORCH/lib" -Wl,-rpath,"$TORCH/lib" -ltorch -ltorch_cpu -lc10)
if [ -d "$TORCH/include/gloo" ]; then defs+=(-DLPA_HAVE_GLOO=1); else echo "no gloo headers in $TORCH/include"; fi
if $PY -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  cuda_inc=$(dirname "$(find / -name cuda_runtime_api.h -path '*include*' 2>/dev/null | head -n1)")
  nccl_inc=$(dirname "$(find / -name nccl.h -path '*include*' 2>/dev/null | head -n1)")
  echo "cuda headers: $cuda_inc, nccl.h: $nccl_inc"
  defs+=(-DUSE_C10D_NCCL -DLPA_HAVE_CUDA=1 -DLPA_HAVE_NCCL=1)
  incs+=(-isystem "$cuda_inc" -isystem "$nccl_inc")
  libs+=(-ltorch_cuda -lc10_cuda)
fi
std=${CXXSTD:-c++17}
mkdir -p /tmp/lpa-dist-check
for f in src/lpa/dist/rendezvous.cpp src/lpa/dist/communicator.cpp scripts/gpu/dist_smoke.cpp; do
  echo "compiling $f (-std=$std)"
  g++ -std="$std" -O1 -Wall -Wno-unused-parameter "${defs[@]}" "${incs[@]}" -c "$f" -o "/tmp/lpa-dist-check/$(basename "$f" .cpp).o"
done
# errors.h is header-only; link with the torch libraries.
g++ /tmp/lpa-dist-check/*.o "${libs[@]}" -lpthread -o /tmp/lpa-dist-check/dist_smoke
/tmp/lpa-dist-check/dist_smoke
