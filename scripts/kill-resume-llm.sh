#!/usr/bin/env bash
# Kills one-shot LLM pruning (`prune llm prune ARGS --out DIR --resume`) with SIGKILL at random moments
# while it prunes blocks, resumes it until it finishes, and checks that the exported model's
# sha256 equals an uninterrupted run's.
#
#   scripts/kill-resume-llm.sh KILLS [SEED] -- ARGS...   (e.g. --method sparsegpt --sparsity 0.5 --skip-dense)
set -euo pipefail
KILLS=${1:-5}; RANDOM=${2:-1}; shift 2; [ "${1:-}" = "--" ] && shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PRUNE=${PRUNE_BINARY:-$ROOT/.build/release/prune}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
start=$(now)
"$PRUNE" llm prune "$@" --out "$work/straight" --quiet >/dev/null
total=$(echo "$(now) - $start" | bc)
expected=$(sha256sum "$work/straight/model.safetensors" | cut -d' ' -f1)
echo "uninterrupted: ${total} s, model.safetensors sha256 $expected"
# Whole jobs are repeated (a fresh output each) until at least KILLS kills have landed.
kills=0 jobs=0
while [ $kills -lt "$KILLS" ]; do
  jobs=$((jobs + 1)); rm -rf "$work/killed" "$work/killed.resume"; log=""
  while true; do
    d=$(echo "scale=3; 2 + $((RANDOM % 1000)) / 1000 * $total / 2" | bc)
    "$PRUNE" llm prune "$@" --out "$work/killed" --resume --quiet >/dev/null 2>"$work/err" & pid=$!
    waited=0
    while kill -0 $pid 2>/dev/null && [ "$(echo "$waited < $d" | bc)" = 1 ]; do
      sleep 0.1; waited=$(echo "$waited + 0.1" | bc)
    done
    if ! kill -0 $pid 2>/dev/null; then wait $pid || { cat "$work/err"; exit 1; }; break; fi
    blocks=$(ls "$work/killed.resume" 2>/dev/null | grep -c '^block-' || true)
    kill -9 $pid; wait $pid 2>/dev/null || true
    kills=$((kills + 1)); log="$log @${d}s(${blocks} blocks saved)"
  done
  got=$(sha256sum "$work/killed/model.safetensors" | cut -d' ' -f1)
  echo "job $jobs: SIGKILL at$log; final sha256 ${got:0:16}… $([ "$got" = "$expected" ] && echo identical || echo DIFFERENT)"
  [ "$got" = "$expected" ] || exit 1
done
