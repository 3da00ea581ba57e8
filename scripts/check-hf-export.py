#!/usr/bin/env python3
"""Loads a folder written by `prune llm prune --out FOLDER` with transformers (AutoModelForCausalLM,
AutoTokenizer) and prints its perplexity on the evaluation part of the text, cut into WINDOWS windows
of LENGTH tokens as `prune llm perplexity --eval-windows WINDOWS --eval-length LENGTH` cuts it,
so the two numbers can be compared.

  python3 scripts/check-hf-export.py FOLDER [TEXT.gz] [WINDOWS] [LENGTH]

Needs torch and transformers."""
import math, os, sys
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
sys.path.insert(0, os.path.dirname(__file__))
from smollm2_tokenizer import jargon_text

folder = sys.argv[1]
text = sys.argv[2] if len(sys.argv) > 2 else os.path.expanduser("~/.cache/prune/text/jargon.txt.gz")
windows = int(sys.argv[3]) if len(sys.argv) > 3 else 32
length = int(sys.argv[4]) if len(sys.argv) > 4 else 256
torch.set_num_threads(2)
tok = AutoTokenizer.from_pretrained(folder)
model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32).eval()
ids = tok(jargon_text(text, "evaluation"), add_special_tokens=False)["input_ids"]
zeros = sum((p == 0).sum().item() for n, p in model.named_parameters() if "proj" in n)
total, count = 0.0, 0
with torch.no_grad():
    for w in range(windows):
        x = torch.tensor([ids[w * length:(w + 1) * length]])
        logits = model(x).logits[0].double()
        total += (torch.logsumexp(logits[:-1], -1) - logits[:-1].gather(1, x[0, 1:, None])[:, 0]).sum().item()
        count += length - 1
print(f"transformers: perplexity {math.exp(total / count):.4f} over {count} tokens ({windows} windows of {length}); "
      f"{zeros} zero weights in the projections")
