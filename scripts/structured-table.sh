#!/usr/bin/env bash
# Reproduces the structured-decoder tables of the README (`prune llm structured`): perplexity before
# and after the least-squares refit for each axis and target, then greedy-decoding speed of Prune and of
# transformers (scripts/generate_peer.py) and the transformers check of one exported folder.
#
#   scripts/structured-table.sh [OUT_DIR]      (release build; ~1 h on 2 cores; needs torch/transformers
#                                               for the peer rows only)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/structured-table}
mkdir -p "$OUT"
swift build -c release --product prune >/dev/null
P=.build/release/prune
run() {  # name, then prune llm structured options
  local name=$1; shift
  "$P" llm structured "$@" --skip-dense --json > "$OUT/$name.json"
}
for r in 0.2 0.3 0.5; do
  run "width-$r" --axis width --spread uniform --remove "$r" --eval-windows 16
  run "depth-$r" --axis depth --remove "$r" --eval-windows 16
  run "global-uniform-$r" --axis global --spread uniform --ranking standardized --remove "$r" --eval-windows 16
  run "global-standardized-$r" --axis global --spread global --ranking standardized --remove "$r" --eval-windows 16
  run "global-relative-$r" --axis global --spread global --ranking relative --remove "$r" --eval-windows 16
  run "global-unbounded-$r" --axis global --spread global --block-excess 1 --remove "$r" --eval-windows 16
done
run heads-0.1 --axis heads --remove 0.1 --eval-windows 16
run query-heads-0.1 --axis query-heads --remove 0.1 --eval-windows 16
S="--speed --no-refit --eval-windows 1"
run speed-width-0.3 --axis width --remove 0.3 --speed --eval-windows 16 --out "$OUT/width30-hf"  # refitted
run speed-depth-0.3 --axis depth --remove 0.3 $S --out "$OUT/depth30-hf"
run speed-global-uniform-0.3 --axis global --ranking standardized --remove 0.3 $S
run speed-global-standardized-0.3 --axis global --spread global --ranking standardized --remove 0.3 $S
run speed-width-0.5 --axis width --remove 0.5 $S
run speed-depth-0.5 --axis depth --remove 0.5 $S
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
print("| run | removed | perplexity pruned | refitted | tokens/s dense | pruned |")
print("|---|---|---|---|---|---|")
for name in sorted(os.listdir(out)):
    if not name.endswith(".json"): continue
    r = json.load(open(os.path.join(out, name)))
    ppl = lambda k: f"{r[k]['perplexity']:.1f}" if r.get(k) else ""
    speed = lambda k: f"{r[k]:.1f}" if r.get(k) else ""
    print(f"| {name[:-5]} | {1 - r['prunedWeights'] / r['denseWeights']:.3f} | {ppl('pruned')} | {ppl('refitted')} | "
          f"{speed('denseTokensPerSecond')} | {speed('prunedTokensPerSecond')} |")
PY
if python3 -c "import torch, transformers" 2>/dev/null; then
  for m in ~/.cache/prune/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf "$OUT/width30-hf" "$OUT/depth30-hf"; do
    echo "transformers generate, $m: $(python3 scripts/generate_peer.py "$m")"
  done
  echo "width30 (refitted) in transformers: $(python3 scripts/check-hf-export.py "$OUT/width30-hf" \
    ~/.cache/prune/text/jargon.txt.gz 16 256)"
fi
