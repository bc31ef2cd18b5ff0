#!/usr/bin/env bash
# Compile (syntax only) every source with a CUDA-only branch against real CUDA headers, on this
# CPU machine: the GPU machine is lent rarely and briefly, and a compile error found there costs
# its minutes. Debian's LibTorch 1.13 ships ATen/c10's CUDA headers but not the CUDA runtime's;
# those come from Debian's own nvidia-cuda-dev (non-free, CUDA 11.8; a 774 MB download, its
# headers cached in build-cuda-syntax/). What this proves: the CUDA branches compile against
# LibTorch 1.13's CUDA API with the build's warnings. Not: LibTorch 2.x's API (scripts/gpu/check.sh
# builds against that), NCCL (no Debian package; dist/communicator.cpp's NCCL branch stays
# unchecked here), or that it runs.
#   scripts/gpu/cuda_syntax.sh            # needs build/compile_commands.json (any configured build)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
cache="$PWD/build-cuda-syntax"  # not under .deps/, which travels to the GPU machine
if [ ! -f "$cache/include/cuda_runtime_api.h" ]; then
  tmp=$(mktemp -d) && chmod 755 "$tmp"  # apt fetches as its own user
  trap 'rm -rf "$tmp"' EXIT
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: non-free\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > "$tmp/nf.sources"
  mkdir -p "$tmp/lists/partial"
  # A private list folder: the machine's own apt lists stay as they are.
  apt_nf=(-o Dir::Etc::SourceList="$tmp/nf.sources" -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$tmp/lists")
  apt-get "${apt_nf[@]}" update -qq
  (cd "$tmp" && apt-get "${apt_nf[@]}" download -qq nvidia-cuda-dev)
  mkdir -p "$cache"
  dpkg-deb --fsys-tarfile "$tmp"/nvidia-cuda-dev_*.deb | tar -x -C "$tmp" --wildcards './usr/include/*'
  rm -rf "$cache/include" && mv "$tmp/usr/include" "$cache/include"
fi
# c10's CUDA macros include a header CMake generates when it builds LibTorch with CUDA; the CPU
# package lacks it. Its one line for a shared-library build:
mkdir -p "$cache/generated/c10/cuda/impl"
printf '#pragma once\n#define C10_CUDA_BUILD_SHARED_LIBS\n' > "$cache/generated/c10/cuda/impl/cuda_cmake_macros.h"

[ -f build/compile_commands.json ] || { echo "cuda_syntax.sh: configure a build first (cmake -S . -B build)" >&2; exit 2; }
mapfile -t files < <(grep -rlE 'LPA_HAVE_CUDA|__has_include\(<cuda_runtime_api.h>\)' src tests apps | sort)
"$PY" - "$cache" "${files[@]}" <<'EOF'
import os, subprocess, sys
sys.path.insert(0, "scripts")
import compile_db
cache, files = sys.argv[1], sys.argv[2:]
failed = 0
for f, c in compile_db.entries(files):
    if c is None:
        print(f"cuda_syntax.sh: {f} is not in build/compile_commands.json", file=sys.stderr); failed = 1; continue
    out = compile_db.syntax_only(c)
    out += ["-DLPA_HAVE_CUDA=1", "-isystem", os.path.join(cache, "include"),
            "-isystem", os.path.join(cache, "generated"), c["file"]]
    r = subprocess.run(out, cwd=c["directory"], capture_output=True, text=True)
    # A branch the preprocessor never took would pass vacuously: its file must read differently
    # with the CUDA headers and LPA_HAVE_CUDA than without.
    def expand(cmd):
        return subprocess.run([a for a in cmd if a != "-fsyntax-only"] + ["-E", "-P"], cwd=c["directory"],
                              capture_output=True, text=True).stdout
    plain = [a for a in out if a not in ("-DLPA_HAVE_CUDA=1",) and not a.startswith(cache)]
    plain = [a for i, a in enumerate(plain) if not (a == "-isystem" and i + 1 < len(plain) and plain[i + 1].startswith(cache))]
    taken = expand(out) != expand(plain)
    ok = r.returncode == 0 and not r.stderr and taken
    print(("ok      " if ok else "FAILED  ") + f + ("" if taken else "  (no CUDA branch was compiled)"))
    if not ok:
        sys.stderr.write(r.stderr); failed = 1
sys.exit(failed)
EOF
