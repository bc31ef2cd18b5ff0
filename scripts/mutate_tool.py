#!/usr/bin/env python3
"""Reads scripts/mutations.ini and applies / restores one mutation (used by scripts/mutate.sh).

A mutation is a section:

    [id]
    file = src/lpa/...cpp            # relative to the repository root
    find = exact text                # must occur exactly once (or `count` times)
    replace = the broken text        # may be empty: the text is deleted
    count = 1                        # optional: occurrences expected; all are replaced
    tests = regex                    # ctest -R regex of the tests that should catch it
    why = what behaviour it removes  # shown by --list

Literal text, no regular expressions: a mutation is exactly the edit a reviewer would make.
"""
import configparser
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKUP = os.path.join(ROOT, ".mutate_backup")


def load(path):
    cp = configparser.RawConfigParser(interpolation=None, strict=True)
    cp.optionxform = str
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    return cp


def fail(msg):
    print(f"mutate_tool: {msg}", file=sys.stderr)
    sys.exit(2)


def text_of(cp, mid, key):
    # configparser strips surrounding whitespace; a value in quotes keeps it exactly.
    v = cp.get(mid, key, fallback="")
    if len(v) >= 2 and v[0] == v[-1] == '"':
        v = v[1:-1]
    return v.replace("\\n", "\n")


def check_one(cp, mid):
    for key in ("file", "find", "tests"):
        if not cp.has_option(mid, key):
            fail(f"[{mid}] has no '{key}'")
    path = os.path.join(ROOT, cp.get(mid, "file"))
    if not os.path.isfile(path):
        fail(f"[{mid}] {cp.get(mid, 'file')}: no such file")
    src = open(path, encoding="utf-8").read()
    find = text_of(cp, mid, "find")
    want = int(cp.get(mid, "count", fallback="1"))
    got = src.count(find)
    if got != want:
        fail(f"[{mid}] {cp.get(mid, 'file')}: '{find}' occurs {got} times, expected {want}")
    if text_of(cp, mid, "replace") == find:
        fail(f"[{mid}] replace equals find: not a mutation")
    return path, src, find


def main():
    if len(sys.argv) < 3:
        fail("usage: mutate_tool.py list|check|ids|get|apply|restore mutations.ini [args]")
    cmd, ini = sys.argv[1], sys.argv[2]
    cp = load(ini)
    if cmd == "list":
        for mid in cp.sections():
            print(f"{mid:32s} {cp.get(mid, 'file'):48s} {cp.get(mid, 'why', fallback='')}")
    elif cmd == "check":
        for mid in cp.sections():
            check_one(cp, mid)
        print(f"mutate_tool: {len(cp.sections())} mutations, every one applies")
    elif cmd == "ids":
        only = [x for x in (sys.argv[3] if len(sys.argv) > 3 else "").split(",") if x]
        for x in only:
            if not cp.has_section(x):
                fail(f"no mutation '{x}'")
        print(" ".join(only or cp.sections()))
    elif cmd == "get":
        print(cp.get(sys.argv[3], sys.argv[4], fallback=""))
    elif cmd == "apply":
        mid = sys.argv[3]
        path, src, find = check_one(cp, mid)
        rel = cp.get(mid, "file")
        os.makedirs(os.path.dirname(os.path.join(BACKUP, rel)), exist_ok=True)
        shutil.copy2(path, os.path.join(BACKUP, rel))
        with open(path, "w", encoding="utf-8") as f:
            f.write(src.replace(find, text_of(cp, mid, "replace")))
    elif cmd == "restore":
        if os.path.isdir(BACKUP):
            for d, _, files in os.walk(BACKUP):
                for name in files:
                    b = os.path.join(d, name)
                    dest = os.path.join(ROOT, os.path.relpath(b, BACKUP))
                    # copyfile, not copy2: a fresh mtime makes the build recompile the file.
                    shutil.copyfile(b, dest)
            shutil.rmtree(BACKUP)
    else:
        fail(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
