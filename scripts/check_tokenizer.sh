#!/usr/bin/env bash
# GPT-2 ids from `lpa tokenize` against the reference encoder (npm gpt-3-encoder, a JavaScript
# port of OpenAI's encoder.py, through scripts/tokenizer_reference.js), file by file, over the
# State of the Union corpus unless files are given. Prints
#   N files, M tokens compared, K mismatches
# where a mismatch is a file whose ids differ (its first difference is shown); exits 1 on any.
#   scripts/check_tokenizer.sh [FILE...]
# LPA=path/to/lpa (default build/lpa); GPT3_ENCODER_DIR (default data/gpt-3-encoder,
# scripts/fetch_data.sh brings it and the corpus).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lpa=${LPA:-$root/build/lpa}
encoder=${GPT3_ENCODER_DIR:-$root/data/gpt-3-encoder}
[ $# -gt 0 ] || set -- "$root"/data/sotu/data/*.txt
fail() { echo "check_tokenizer.sh: $*" >&2; exit 2; }
command -v node >/dev/null || fail "node is not installed (Debian package nodejs)"
[ -x "$lpa" ] || fail "$lpa not built (or set LPA)"
[ -f "$encoder/encoder.json" ] || fail "$encoder/encoder.json missing (scripts/fetch_data.sh)"
for f in "$@"; do [ -f "$f" ] || fail "$f: no such file (scripts/fetch_data.sh brings the corpus)"; done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s.%N)
elapsed() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
# The reference is the slow side (about a minute for the corpus): it runs meanwhile.
GPT3_ENCODER_DIR=$encoder node "$root/scripts/tokenizer_reference.js" "$@" >"$tmp/reference" &
reference=$!
"$lpa" tokenize --tokenizer "$encoder" "$@" >"$tmp/lpa" || fail "lpa tokenize failed"
printf '%s\n' "$@" >"$tmp/names"
lpa_seconds=$(elapsed)
wait "$reference" || fail "the reference encoder failed"
[ "$(wc -l <"$tmp/reference")" -eq $# ] || fail "the reference printed $(wc -l <"$tmp/reference") lines for $# files"

awk -v mine="$tmp/lpa" -v names="$tmp/names" -v lpa_seconds="$lpa_seconds" '
  {
    getline ours <mine
    getline name <names
    n = split($0, want, " ")
    m = split(ours, got, " ")
    tokens += n
    files++
    if ($0 != ours) {
      bad++
      for (k = 1; k <= n && k <= m && want[k] == got[k]; k++) {}
      printf "mismatch: %s: first difference at token %d: reference %s, lpa %s (%d vs %d tokens)\n",
             name, k, k <= n ? want[k] : "(end)", k <= m ? got[k] : "(end)", n, m
    }
  }
  END {
    printf "%d files, %d tokens compared, %d mismatches (lpa tokenize done after %s s)\n", files, tokens, bad, lpa_seconds
    exit bad > 0
  }' "$tmp/reference"
