#!/usr/bin/env python3
"""Reference fixture for Prune's BERT encoder and WordPiece tokenizer: token ids from the Hugging
Face tokenizer and sentence embeddings from sentence-transformers, for all-MiniLM-L6-v2.

Run once (needs torch and sentence-transformers, not needed in CI):
  bash scripts/fetch-minilm.sh
  python3 scripts/parity/minilm_reference.py ~/.cache/prune/all-MiniLM-L6-v2 > Tests/OneShotTests/Fixtures/minilm_reference.json
"""
import json
import sys

import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer

folder = sys.argv[1]
model = SentenceTransformer(folder, device="cpu")
tok = model.tokenizer

texts = [
    "A man is playing a guitar.",
    "The quick brown fox jumps over the lazy dog!",
    "Pruning removes the weights that a trained network does not need.",
    "Crème brûlée, naïve café — résumé façade.",
    "Tokenizers split \"quoted\" words, hyphen-ated terms, and numbers like 3.14159 or 1,000,000.",
    "東京 is the capital of Japan; 北京 is the capital of China.",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "Short.",
    "An assignment statement evaluates the expression list and assigns the single resulting object to each of the target lists, from left to right.",
    "x" * 120 + " tail",
]
# Fifty more from the shipped corpus (every 20th line), so the check covers ordinary prose too.
import pathlib
corpus = pathlib.Path(__file__).resolve().parents[2] / "data" / "text" / "python-reference-sentences.txt"
texts += corpus.read_text(encoding="utf-8").splitlines()[::20][:50]
ids = [tok(t)["input_ids"] for t in texts]
with torch.no_grad():
    emb = model.encode(texts, batch_size=len(texts), convert_to_numpy=True, normalize_embeddings=False)
json.dump({
    "generator": f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}",
    "texts": texts,
    "input_ids": ids,
    "embeddings": [[round(float(v), 7) for v in row] for row in emb],
}, sys.stdout, ensure_ascii=False)
sys.stdout.write("\n")
