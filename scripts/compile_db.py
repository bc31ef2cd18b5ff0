"""The build's compile commands (build/compile_commands.json) turned into syntax-only compiles of
one file: shared by scripts/clang_check.sh and scripts/gpu/cuda_syntax.sh."""
import json
import os
import shlex


def entries(files, path="build/compile_commands.json"):
    """(file, its compile database entry) for each file; the entry is None where the build does
    not compile that file."""
    commands = {os.path.realpath(c["file"]): c for c in json.load(open(path))}
    return [(f, commands.get(os.path.realpath(f))) for f in files]


def syntax_only(entry):
    """The entry's compiler and flags without the output, the source, the precompiled header and
    its warning flag, with -fsyntax-only: the caller adds flags, then the source (entry["file"])."""
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-c", "-include"):
            skip = True
            continue
        if a.startswith("-Winvalid-pch") or a in (entry["file"], os.path.realpath(entry["file"])):
            continue
        out.append(a)
    return out + ["-fsyntax-only"]
