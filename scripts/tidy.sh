#!/usr/bin/env bash
# clang-tidy-14 over src/ and apps/ with the checks in .clang-tidy (every finding is an error).
#   scripts/tidy.sh                # all files, as many jobs as cores
#   scripts/tidy.sh -j 1 FILE...   # only these files
# Needs build/compile_commands.json (CMake writes it; run scripts/test.sh or cmake once first).
# Parsing LibTorch's headers costs ~20-40 s per file, so a full run takes a while: see the time
# it prints at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(env -u OMP_NUM_THREADS nproc 2>/dev/null || echo 2)
if [ "${1:-}" = -j ]; then jobs="$2"; shift 2; fi
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
runner=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
if [ -z "$tidy" ] || [ -z "$runner" ]; then echo "tidy.sh: clang-tidy-14 not found (apt-get install clang-tidy-14)" >&2; exit 2; fi
if [ ! -f build/compile_commands.json ]; then
  echo "tidy.sh: build/compile_commands.json missing: configure first (cmake -S . -B build)" >&2; exit 2
fi
# The build force-includes GCC's precompiled header, which clang cannot read: give clang the
# header it was made from instead (src/lpa/pch.h), and drop the GCC-only PCH warning flag.
mkdir -p build/tidy
/usr/bin/python3 - "$PWD" <<'PY'
import json, re, sys
root = sys.argv[1]
db = json.load(open("build/compile_commands.json"))
keep = []
for e in db:
    rel = e["file"].replace(root + "/", "")
    if not (rel.startswith("src/") or rel.startswith("apps/")):
        continue
    cmd = re.sub(r"-include \S*cmake_pch\.hxx", "-include " + root + "/src/lpa/pch.h", e["command"])
    cmd = cmd.replace(" -Winvalid-pch", "")
    keep.append(dict(e, command=cmd))
json.dump(keep, open("build/tidy/compile_commands.json", "w"), indent=1)
PY
files=("$@")
if [ "${#files[@]}" = 0 ]; then files=("$PWD/src/" "$PWD/apps/"); fi
start=$(date +%s)
status=0
"$runner" -clang-tidy-binary "$tidy" -p build/tidy -j "$jobs" -quiet "${files[@]}" || status=$?
echo "tidy.sh: $(( $(date +%s) - start )) s with $jobs job(s); exit $status"
exit "$status"
