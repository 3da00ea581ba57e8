#!/usr/bin/env bash
# Kills `prune run RECIPE --resume` with SIGKILL at random moments, resumes it until it finishes,
# and checks that the final model's sha256 equals an uninterrupted run's; whole jobs are repeated
# until at least KILLS kills have landed in each phase (dense training, pruning). Paths in the recipe
# are relative to a fresh folder per side.
#
#   scripts/kill-resume.sh RECIPE [KILLS] [SEED]
set -euo pipefail
RECIPE=$(readlink -f "$1"); KILLS=${2:-5}; RANDOM=${3:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PRUNE=${PRUNE_BINARY:-$ROOT/.build/release/prune}
OUT=$(sed -n 's/^out: *\([^ #]*\).*/\1/p' "$RECIPE"); WEIGHTS=$(sed -n 's/^weights: *\([^ #]*\).*/\1/p' "$RECIPE")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/straight"
now() { date +%s.%N; }
start=$(now)
(cd "$work/straight" && "$PRUNE" run "$RECIPE" --quiet >/dev/null) & pid=$!
while [ ! -e "$work/straight/$WEIGHTS" ]; do sleep 0.05; done
train_time=$(echo "$(now) - $start" | bc); wait $pid
total=$(echo "$(now) - $start" | bc)
expected=$(sha256sum "$work/straight/$OUT" | cut -d' ' -f1)
echo "uninterrupted: training ${train_time} s, whole job ${total} s, sha256 $expected"
# A random delay in [1, 1 + span] seconds.
delay() { echo "scale=3; 1 + $((RANDOM % 1000)) / 1000 * $1" | bc; }
train_kills=0 prune_kills=0 jobs=0
while [ $train_kills -lt "$KILLS" ] || [ $prune_kills -lt "$KILLS" ]; do
  jobs=$((jobs + 1)); rm -rf "$work/killed"; mkdir "$work/killed"; cd "$work/killed"; kills=""
  while true; do
    if [ -e "$WEIGHTS" ]; then phase=pruning; d=$(delay "$(echo "$total - $train_time" | bc)")
    else phase=training; d=$(delay "$train_time"); fi
    "$PRUNE" run "$RECIPE" --resume --quiet >/dev/null 2>"$work/err" & pid=$!
    waited=0
    while kill -0 $pid 2>/dev/null && [ "$(echo "$waited < $d" | bc)" = 1 ]; do sleep 0.05; waited=$(echo "$waited + 0.05" | bc); done
    if ! kill -0 $pid 2>/dev/null; then wait $pid || { cat "$work/err"; exit 1; }; break; fi
    kill -9 $pid; wait $pid 2>/dev/null || true
    kills="$kills ${phase}@${d}s"
    if [ $phase = training ]; then train_kills=$((train_kills + 1)); else prune_kills=$((prune_kills + 1)); fi
  done
  got=$(sha256sum "$OUT" | cut -d' ' -f1)
  echo "job $jobs: SIGKILL at$kills; final sha256 ${got:0:16}… $([ "$got" = "$expected" ] && echo identical || echo DIFFERENT)"
  [ "$got" = "$expected" ] || exit 1
done
echo "$jobs jobs, $train_kills kills while training and $prune_kills while pruning: every final model identical"
