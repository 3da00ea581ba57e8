#!/usr/bin/env bash
# Reproduces the recovery table of the README for structured decoder pruning (`prune llm structured`):
# perplexity before recovery, after the least-squares refit and after distillation from the dense model
# (LoRA rank 8 merged at the end, 100 steps of one 256-token window, Adam lr 1e-3; one row trains all
# weights) for each axis and target on SmolLM2-135M-Instruct. Two lanes of one thread each.
#
#   scripts/distill-table.sh [OUT_DIR]      (release build; ~1 h on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/distill-table}
mkdir -p "$OUT"
swift build -c release --product prune >/dev/null
P=$(mktemp -d)/prune; cp .build/release/prune "$P"
M=${SMOLLM2:-$HOME/.cache/prune/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf}
D="--distill-steps 100 --distill-lr 1e-3 --eval-windows 16 --skip-dense --threads 1 --json"
run() {  # name, then prune llm structured options
  local name=$1; shift
  [ -s "$OUT/$name.json" ] || "$P" llm structured --model "$M" $D "$@" > "$OUT/$name.json"  # cell options win
}
lane0() {
  for r in 0.2 0.3 0.5; do run "width-$r" --axis width --remove "$r"; done
  for r in 0.2 0.3 0.5; do run "depth-$r" --axis depth --remove "$r"; done
  for r in 0.2 0.3 0.5; do run "global-unbounded-$r" --axis global --spread global --block-excess 1 --remove "$r"; done
  run all-0.2 --axis all --spread global --remove 0.2
  run all-0.5 --axis all --spread global --remove 0.5
  run heads-ablation-0.1 --axis heads --remove 0.1 --ablate-heads 8
  run query-heads-ablation-0.1 --axis query-heads --remove 0.1 --ablate-heads 8
}
lane1() {
  for r in 0.2 0.3 0.5; do run "global-$r" --axis global --spread global --remove "$r"; done  # --block-excess 0.1
  for r in 0.2 0.5; do run "global-e0.2-$r" --axis global --spread global --block-excess 0.2 --remove "$r"; done
  run global-flops-0.3 --axis global --spread global --target flops --remove 0.3
  run heads-0.1 --axis heads --remove 0.1
  run query-heads-0.1 --axis query-heads --remove 0.1
  run width-all-0.3 --axis width --remove 0.3 --distill-train all --distill-lr 5e-5
  run width-all-1e-5-0.3 --axis width --remove 0.3 --distill-train all --distill-lr 1e-5
  run all-0.3 --axis all --spread global --remove 0.3
  run width-out-0.3 --axis width --remove 0.3 --out "$OUT/width30-distilled-hf"
}
lane0 & lane1 & wait
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
print("| run | removed | pruned | refitted | distilled | KL first → last | distillation s |")
print("|---|---|---|---|---|---|---|")
for name in sorted(os.listdir(out)):
    if not name.endswith(".json"): continue
    r = json.load(open(os.path.join(out, name)))
    ppl = lambda k: f"{r[k]['perplexity']:.1f}" if r.get(k) else ""
    d = r.get("distillation") or {}
    losses = d.get("losses", [])
    k = max(1, len(losses) // 10)
    kl = f"{sum(losses[:k]) / k:.3f} → {sum(losses[-k:]) / k:.3f}" if losses else ""
    print(f"| {name[:-5]} | {1 - r['prunedWeights'] / r['denseWeights']:.3f} | {ppl('pruned')} | {ppl('refitted')} | "
          f"{ppl('distilled')} | {kl} | {d.get('seconds', 0):.0f} |")
PY
if python3 -c "import torch, transformers, numpy" 2>/dev/null; then   # the distilled folder in transformers
  "$P" llm perplexity --model "$OUT/width30-distilled-hf" --eval-windows 16 --logits-out "$OUT/width30.npy" \
    --logits-windows 2
  python3 scripts/check-hf-export.py "$OUT/width30-distilled-hf" --logits "$OUT/width30.npy"
  python3 scripts/check-hf-export.py "$OUT/width30-distilled-hf" "${TEXT:-$HOME/.cache/prune/text/jargon.txt.gz}" 16 256
fi
