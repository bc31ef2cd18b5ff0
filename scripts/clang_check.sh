#!/usr/bin/env bash
# Compile (syntax only) sources with clang++ 14, as CI's sanitizer build does: g++ accepts some
# code clang refuses (a lambda capturing a structured binding, before C++20), and the full clang
# build (scripts/test.sh --sanitize) takes ~20 min on 2 cores. ~10 s per file.
#   scripts/clang_check.sh              # every .cpp changed since origin/main, or uncommitted
#   scripts/clang_check.sh REF          # every .cpp changed since git REF (committed or not)
#   scripts/clang_check.sh -- FILE...   # these files
# Needs build/compile_commands.json (any configured build: cmake -S . -B build).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang++ >/dev/null || { echo "clang_check.sh: clang++ not found (apt-get install clang)" >&2; exit 2; }
[ -f build/compile_commands.json ] || { echo "clang_check.sh: configure a build first (cmake -S . -B build)" >&2; exit 2; }
if [ "${1:-}" = -- ]; then
  shift
  files=("$@")
else
  ref=${1:-origin/main}
  if [ $# = 0 ] && ! git rev-parse -q --verify "$ref" >/dev/null; then ref=HEAD; fi
  git rev-parse -q --verify "$ref" >/dev/null || { echo "clang_check.sh: no git ref '$ref'" >&2; exit 2; }
  mapfile -t files < <({ git diff --name-only "$ref"; git ls-files --others --exclude-standard; } |
                       grep -E '\.cpp$' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
fi
[ "${#files[@]}" -gt 0 ] || { echo "clang_check.sh: nothing to check"; exit 0; }
/usr/bin/python3 - "$PWD" "${files[@]}" <<'EOF'
import os, subprocess, sys
sys.path.insert(0, os.path.join(sys.argv[1], "scripts"))
import compile_db
root, files = sys.argv[1], sys.argv[2:]
failed = 0
for f, entry in compile_db.entries(files):
    if entry is None:
        print(f"FAIL {f} (not in the build: a new file needs cmake to run again)")
        failed += 1
        continue
    # The build force-includes GCC's precompiled header, which clang cannot read: include the
    # header it was made from instead.
    args = ["clang++"] + compile_db.syntax_only(entry)[1:] + ["-include", root + "/src/lpa/pch.h", entry["file"]]
    r = subprocess.run(args, cwd=entry["directory"], capture_output=True, text=True)
    ok = r.returncode == 0 and "error" not in r.stderr
    print(("ok   " if ok else "FAIL ") + f, flush=True)
    if not ok:
        failed += 1
        print(r.stderr, flush=True)
print(f"clang_check.sh: {len(files) - failed} of {len(files)} compile with clang")
sys.exit(1 if failed else 0)
EOF
