#!/usr/bin/env python3
"""Checks that a model folder written by `prune oneshot --out DIR` loads in the real
sentence-transformers library and gives the same embeddings as Prune's own run of it.

Needs torch and sentence-transformers (not run in CI). Usage, from the repository root:
  swift build -c release
  .build/release/prune oneshot --method sparsegpt --sparsity 0.5 --out /tmp/minilm-sparsegpt50
  python3 scripts/parity/check_pruned_minilm.py /tmp/minilm-sparsegpt50
"""
import json
import subprocess
import sys

import numpy as np
from sentence_transformers import SentenceTransformer

folder = sys.argv[1]
text = sys.argv[2] if len(sys.argv) > 2 else "data/text/python-reference-sentences.txt"
limit = 200
prune = json.loads(subprocess.run([".build/release/prune", "embed", "--model", folder, "--text", text, "--limit", str(limit)],
                                  check=True, capture_output=True, text=True).stdout)
model = SentenceTransformer(folder, device="cpu")
ours = np.array(prune["embeddings"], dtype=np.float64)
theirs = model.encode(prune["sentences"], batch_size=32, convert_to_numpy=True).astype(np.float64)
cos = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
print(f"{folder}: {len(cos)} sentences; sentence-transformers vs Prune on the pruned model: "
      f"min cosine {cos.min():.7f}, max |difference| {np.abs(ours - theirs).max():.2e}")
sys.exit(0 if cos.min() >= 0.9999 else 1)
