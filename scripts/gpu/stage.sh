#!/usr/bin/env bash
# Run HERE (the Debian machine) before scripts/gpu/check.sh: the GPU machine has CUDA, CMake and
# a pip PyTorch 2.x but no internet and no CLI11/spdlog/fmt/Catch2/yaml-cpp, and no datasets.
# Stages headers, yaml-cpp's source and the data the check trains on into .deps/ and .gpu_data/
# (both gitignored; pass them to the device tool's `carry`).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .deps/include .deps/src .deps/cmake .gpu_data
for d in CLI spdlog fmt catch2 nlohmann; do [ -d .deps/include/$d ] || cp -r /usr/include/$d .deps/include/; done
# ICU (the tokenizers' regular expressions): headers and Debian's shared libraries, for ICU_ROOT.
mkdir -p .deps/lib
[ -d .deps/include/unicode ] || cp -r /usr/include/x86_64-linux-gnu/unicode .deps/include/ 2>/dev/null ||
  cp -r /usr/include/unicode .deps/include/
for lib in icuuc icui18n icudata; do cp -P /usr/lib/x86_64-linux-gnu/lib$lib.so* .deps/lib/; done
# spdlog 1.10 with std::format (used against LibTorch 2.x, which bundles its own fmt) passes
# rvalues to std::make_format_args, which GCC 13 rejects; spdlog 1.11 passes the lvalues.
sed -i 's/std::make_format_args(std::forward<Args>(args)...)/std::make_format_args(args...)/' .deps/include/spdlog/logger.h
cp /usr/lib/cmake/Catch2/Catch.cmake /usr/lib/cmake/Catch2/CatchAddTests.cmake .deps/cmake/
if [ ! -d .deps/src/yaml-cpp-yaml-cpp-0.7.0 ]; then
  tmp=$(mktemp -d)
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > "$tmp/src.sources"
  mkdir -p "$tmp/lists/partial"
  apt_src=(-o Dir::Etc::SourceList="$tmp/src.sources" -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$tmp/lists")
  apt-get "${apt_src[@]}" update -qq
  (cd "$tmp" && apt-get "${apt_src[@]}" source --download-only -qq yaml-cpp)
  tar -xJf "$tmp"/yaml-cpp_*.orig.tar.xz -C .deps/src
  rm -rf "$tmp"
fi
mkdir -p .gpu_data/fashion-mnist .gpu_data/sotu
cp -u /usr/share/datasets/fashion-mnist/*.gz .gpu_data/fashion-mnist/
if [ -d data/sotu/data ]; then cp -u data/sotu/data/*.txt .gpu_data/sotu/; fi
du -sh .deps .gpu_data
# The CUDA-only sources compiled here first (syntax, real CUDA headers): an error found now does
# not cost the GPU machine's minutes.
scripts/gpu/cuda_syntax.sh
