#!/usr/bin/env bash
# Generation speed with and without the KV cache on a trained language-model run, as a ratio
# (timings depend on the machine; the ratio is what to compare).
#   scripts/bench/kv_cache.sh RUN_DIR [TOKENS] [DEPTH]
set -euo pipefail
cd "$(dirname "$0")/../.."
run="${1:?usage: kv_cache.sh RUN_DIR [TOKENS] [DEPTH]}"; tokens="${2:-400}"; depth="${3:-0}"
depth_arg=(); [ "$depth" != 0 ] && depth_arg=(--depth "$depth")
rate() { # extra args -> tokens/s from lpa generate's stderr line
  build/lpa generate --run "$run" "${depth_arg[@]}" --prompt "The Congress" --max-tokens "$tokens" \
    --seed 1 "$@" 2>&1 >/dev/null | sed -n 's/.*: \([0-9.]*\) tokens\/s.*/\1/p'
}
cached=$(rate); full=$(rate --no-cache)
echo "tokens/s with KV cache: $cached, recomputing the window: $full"
awk -v a="$cached" -v b="$full" 'BEGIN { printf "speed-up of the cache: %.1fx\n", a / b }'
