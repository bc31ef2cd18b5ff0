#!/usr/bin/env bash
# The README's deployment numbers, measured rather than estimated:
#   1. real early exit on a Fashion-MNIST ResNet-20 run: `lpa bench --early-exit` at the
#      confidence threshold that keeps validation accuracy within 0.5 point of full depth,
#      batch 1 and 256, next to the FLOPs estimate; and the exported TorchScript model's early
#      exit against `lpa predict` on the whole test split (same prediction and exit depth per
#      image);
#   2. self-speculative decoding on the SOTU byte LM (configs/lm_sotu.yaml, trained here when
#      missing): `lpa bench --speculative` over draft depth E x draft tokens d, greedy, with
#      the output checked byte for byte against full-depth decoding.
# Writes <out>/early_exit_bench.csv, <out>/speculative.csv, <out>/export_vs_predict.txt.
#   scripts/experiments/deploy_speed.sh [RESNET_RUN] [LM_RUN] [OUT]
#   defaults: runs/reproduce_quick/fmnist_resnet/task_000 (scripts/reproduce.sh --quick),
#             runs/experiments/lm_sotu, docs/deploy
set -euo pipefail
cd "$(dirname "$0")/../.."
resnet="${1:-runs/reproduce_quick/fmnist_resnet/task_000}"
lm="${2:-runs/experiments/lm_sotu}"
out="${3:-docs/deploy}"
LPA=${LPA:-build/lpa}
THREADS=${THREADS:-2}
[ -x "$LPA" ] || { echo "deploy_speed.sh: $LPA not found: build first (scripts/setup.sh --no-train)" >&2; exit 2; }
[ -f "$resnet/config.yaml" ] || { echo "deploy_speed.sh: $resnet is not a run (scripts/reproduce.sh --quick makes it)" >&2; exit 2; }
mkdir -p "$out"

echo "== real early exit: $resnet"
"$LPA" bench --run "$resnet" --early-exit confidence --max-drop 0.5 --batch 256 --runs 200 \
  --threads "$THREADS" -o "$out/early_exit_bench.csv"

# The same rule in the exported model: predictions and exit depths of the whole test split.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
root=$(awk '/^  root:/ { gsub(/"/, "", $2); print $2; exit }' "$resnet/config.yaml")
[ -n "$root" ] || root=/usr/share/datasets/fashion-mnist  # data.root "": Debian's dataset-fashion-mnist
images="$root/t10k-images-idx3-ubyte.gz"; labels="$root/t10k-labels-idx1-ubyte.gz"
[ -f "$images" ] || { images="${images%.gz}"; labels="${labels%.gz}"; }
"$LPA" export --run "$resnet" --depth "$(awk -F, 'NR > 1 && $1 == "test" { d = $2 } END { print d }' "$resnet/per_depth.csv")" \
  --early-exit confidence --max-drop 0.5 -o "$tmp/model.pt" | tee "$tmp/export.txt"
"$LPA" predict --run "$resnet" --input "$images" --labels "$labels" -o "$tmp/run.csv" \
  --early-exit confidence --threshold "$(awk '/^  threshold:/ { print $2 }' "$tmp/model.pt.yaml")" | tee "$tmp/run.txt"
"$LPA" predict --model "$tmp/model.pt" --input "$images" --labels "$labels" -o "$tmp/export.csv" | tee "$tmp/exp.txt"
same=$(paste -d, <(cut -d, -f2,5 "$tmp/run.csv") <(cut -d, -f2,5 "$tmp/export.csv") |
  awk -F, 'NR > 1 { n++; gsub(/\r/, ""); if ($1 == $3 && $2 == $4) s++ } END { printf "%d of %d", s, n }')
{
  echo "run: $resnet"
  grep "early exit:" "$tmp/export.txt"
  echo "lpa predict --run:   $(grep -h 'accuracy .* labelled' "$tmp/run.txt"); $(grep -h 'average exit depth' "$tmp/run.txt")"
  echo "exported TorchScript: $(grep -h 'accuracy .* labelled' "$tmp/exp.txt"); $(grep -h 'average exit depth' "$tmp/exp.txt")"
  echo "same prediction and exit depth: $same test images"
} | tee "$out/export_vs_predict.txt"

echo "== self-speculative decoding: $lm"
if [ ! -f "$lm/per_depth.csv" ]; then
  "$LPA" train --config configs/lm_sotu.yaml --set train.threads="$THREADS" --run-dir "$lm" > "$lm.log" 2>&1 ||
    { echo "deploy_speed.sh: training $lm failed: see $lm.log" >&2; exit 1; }
fi
"$LPA" bench --run "$lm" --speculative --draft-tokens 1,2,4,6,8 --max-tokens 256 --threads "$THREADS" \
  -o "$out/speculative.csv"
# Greedy text from a small byte LM soon loops, which flatters acceptance: sampled text too
# (its law is the full model's; the text is not compared).
"$LPA" bench --run "$lm" --speculative --temperature 0.8 --draft-tokens 1,2,4,8 --max-tokens 256 \
  --threads "$THREADS" -o "$out/speculative_sampled.csv"
