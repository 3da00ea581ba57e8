#!/usr/bin/env python3
"""Loads a folder written by `prune llm prune|structured --out FOLDER` with transformers
(AutoModelForCausalLM, AutoTokenizer) and prints its perplexity on the evaluation part of the text, cut
into WINDOWS windows of LENGTH tokens as `prune llm perplexity --eval-windows WINDOWS --eval-length
LENGTH` cuts it, so the two numbers can be compared.

  python3 scripts/check-hf-export.py FOLDER [TEXT.gz] [WINDOWS] [LENGTH]
  python3 scripts/check-hf-export.py FOLDER --logits PRUNE.npy [--tolerance 1e-3]

With --logits: PRUNE.npy holds Prune's logits of the same folder (`prune llm perplexity --model FOLDER
--logits-out PRUNE.npy`) and PRUNE.ids.npy their token ids; transformers runs on those ids and the
script prints the largest absolute logit difference, exiting 1 when it is above the tolerance.

Needs torch, transformers and numpy."""
import math, os, sys
import numpy as np
import torch
from transformers import AutoModelForCausalLM

torch.set_num_threads(2)


def load(folder):
    return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()


def compare_logits(folder, path, tolerance):
    ids = np.load(path[:-4] + ".ids.npy" if path.endswith(".npy") else path + ".ids.npy")
    theirs = np.load(path)
    model = load(folder)
    worst, scale = 0.0, 0.0
    with torch.no_grad():
        for w in range(ids.shape[0]):
            ours = model(torch.tensor(ids[w:w + 1], dtype=torch.long)).logits[0].double().numpy()
            worst = max(worst, float(np.abs(ours - theirs[w].astype(np.float64)).max()))
            scale = max(scale, float(np.abs(ours).max()))
    print(f"transformers vs Prune logits: max |difference| {worst:.3g} over {ids.shape[0]} windows of "
          f"{ids.shape[1]} tokens × {theirs.shape[2]} (largest |logit| {scale:.1f}); tolerance {tolerance:g}")
    return worst <= tolerance


def perplexity(folder, text, windows, length):
    from transformers import AutoTokenizer
    sys.path.insert(0, os.path.dirname(__file__))
    from smollm2_tokenizer import jargon_text
    tok = AutoTokenizer.from_pretrained(folder)
    model = load(folder)
    ids = tok(jargon_text(text, "evaluation"), add_special_tokens=False)["input_ids"]
    zeros = sum((p == 0).sum().item() for n, p in model.named_parameters() if "proj" in n)
    total, count = 0.0, 0
    with torch.no_grad():
        for w in range(windows):
            x = torch.tensor([ids[w * length:(w + 1) * length]])
            logits = model(x).logits[0].double()
            total += (torch.logsumexp(logits[:-1], -1) - logits[:-1].gather(1, x[0, 1:, None])[:, 0]).sum().item()
            count += length - 1
    print(f"transformers: perplexity {math.exp(total / count):.4f} over {count} tokens ({windows} windows of "
          f"{length}); {zeros} zero weights in the projections")


args = sys.argv[1:]
if "--logits" in args:
    i = args.index("--logits")
    tolerance = float(args[args.index("--tolerance") + 1]) if "--tolerance" in args else 1e-3
    sys.exit(0 if compare_logits(args[0], args[i + 1], tolerance) else 1)
perplexity(args[0], args[1] if len(args) > 1 else os.path.expanduser("~/.cache/prune/text/jargon.txt.gz"),
           int(args[2]) if len(args) > 2 else 32, int(args[3]) if len(args) > 3 else 256)
