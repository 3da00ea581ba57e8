#!/usr/bin/env bash
# Runs every fuzz target (or those named) under libFuzzer with the address sanitizer, each until
# RUNS executions or SECONDS seconds, whichever comes first, seeded with real files
# (`prune fuzz --write-seeds`). Crashes, sanitizer reports, leaks of the budget (-rss_limit_mb,
# -malloc_limit_mb) and hangs (-timeout) fail the run; the counts are printed per target.
#
#   scripts/fuzz.sh [--runs N] [--seconds S] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=1000000 SECONDS_PER_TARGET=1800 BUDGET_MB=2048
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --seconds) SECONDS_PER_TARGET=$2; shift 2 ;;
    *) break ;;
  esac
done
PRUNE=${PRUNE_BINARY:-}
if [ -z "$PRUNE" ]; then swift build -c release --product prune >/dev/null; PRUNE=.build/release/prune; fi
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(safetensors idx csv recipe onnx prune-codec tree-json connect4 gguf)
[ -n "${PRUNE_FUZZ_SKIP_BUILD:-}" ] ||
  swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >/dev/null
FUZZER=Fuzz/.build/release/PruneLibFuzzer
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
status=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$WORK/$t"
  "$PRUNE" fuzz "$t" --write-seeds "$WORK/$t" --quiet
  log="$WORK/$t.log"
  if PRUNE_FUZZ_TARGET=$t PRUNE_MAX_MEMORY=${BUDGET_MB}M "$FUZZER" "$WORK/$t" -runs="$RUNS" \
      -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=$((BUDGET_MB + 1024)) -malloc_limit_mb="$BUDGET_MB" \
      -timeout=10 -max_len=65536 -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo "?")
    echo "$t: $runs executions in $secs s, no crash, no sanitizer report"
  else
    echo "$t: FAILED (see below)"; tail -40 "$log"; status=1
  fi
done
exit $status
