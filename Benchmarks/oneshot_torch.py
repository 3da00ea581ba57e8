#!/usr/bin/env python3
"""PyTorch peer of `prune bench oneshot`: Wanda and SparseGPT on all-MiniLM-L6-v2, with the same
calibration and evaluation sentences as Prune, following the published algorithms and their
reference code (Sun et al. 2023, `prune_wanda`; Frantar & Alistarh 2023, `SparseGPT.fasterprune`):
sequential block-by-block calibration on the outputs of the already-pruned blocks, every Linear
layer of every encoder block, padding tokens excluded from the statistics.

The clock covers the same work as Prune's: tokenization of the calibration sentences, batching by
token length (stable sort, batches of 32, as Prune batches), the statistics and the pruning. Each
case runs REPEATS times from the dense weights; the median time is printed.

Usage: oneshot_torch.py MODEL_DIR CALIBRATION_FILE EVAL_FILE THREADS REPEATS CASE [CASE ...]
       a CASE is METHOD:SPEC, e.g. wanda:0.5, sparsegpt:2:4
Prints one JSON line per case: method, spec, meanCosine, seconds (median), runs (all times).
"""
import json
import math
import statistics
import sys
import time

import torch
from sentence_transformers import SentenceTransformer

model_dir, calib_file, eval_file, threads, repeats = sys.argv[1:6]
cases = sys.argv[6:]
torch.set_num_threads(int(threads))
torch.manual_seed(0)

def read(path):
    return [l for l in open(path, encoding="utf-8").read().split("\n") if l]

calibration, evaluation = read(calib_file), read(eval_file)
st = SentenceTransformer(model_dir, device="cpu")
tok = st.tokenizer
bert = st[0].auto_model.eval()
heads = bert.config.num_attention_heads

def batches(texts, size=32):
    for i in range(0, len(texts), size):
        enc = tok(texts[i:i + size], padding=True, truncation=True, max_length=256, return_tensors="pt")
        yield enc["input_ids"], enc["attention_mask"]

def length_ordered_batches(texts, size=32):
    """Prune's batching: each text tokenized once, stably sorted by token count, padded per batch."""
    enc = tok(texts, truncation=True, max_length=256)["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: (len(enc[i]), i))
    for i in range(0, len(order), size):
        padded = tok.pad({"input_ids": [enc[j] for j in order[i:i + size]]}, return_tensors="pt")
        yield padded["input_ids"], padded["attention_mask"]

def embed(ids):
    e = bert.embeddings
    L = ids.shape[1]
    pos = torch.arange(L).unsqueeze(0)
    h = e.word_embeddings(ids) + e.position_embeddings(pos) + e.token_type_embeddings(torch.zeros_like(ids))
    return e.LayerNorm(h)

def layer_forward(l, h, mask):
    B, L, D = h.shape
    d = D // heads
    bias = (1.0 - mask[:, None, None, :].float()) * -1e9
    sa = l.attention.self
    q = sa.query(h).view(B, L, heads, d).transpose(1, 2)
    k = sa.key(h).view(B, L, heads, d).transpose(1, 2)
    v = sa.value(h).view(B, L, heads, d).transpose(1, 2)
    p = (q @ k.transpose(-1, -2) / math.sqrt(d) + bias).softmax(-1)
    ctx = (p @ v).transpose(1, 2).reshape(B, L, D)
    a = l.attention.output.LayerNorm(l.attention.output.dense(ctx) + h)
    i = torch.nn.functional.gelu(l.intermediate.dense(a))
    return l.output.LayerNorm(l.output.dense(i) + a)

def sentence_embeddings(texts):
    out = []
    with torch.no_grad():
        for ids, mask in batches(texts):
            h = embed(ids)
            for l in bert.encoder.layer:
                h = layer_forward(l, h, mask)
            m = mask.unsqueeze(-1).float()
            e = (h * m).sum(1) / m.sum(1).clamp(min=1)
            out.append(torch.nn.functional.normalize(e, dim=1))
    return torch.cat(out)

def linears(l):
    return [l.attention.self.query, l.attention.self.key, l.attention.self.value,
            l.attention.output.dense, l.intermediate.dense, l.output.dense]

def wanda(W, stats, nm):
    metric = W.abs() * torch.sqrt(stats["sq"].reshape(1, -1))
    mask = torch.zeros_like(W, dtype=torch.bool)
    if nm:
        n, m = nm
        for ii in range(0, W.shape[1], m):
            tmp = metric[:, ii:ii + m]
            mask.scatter_(1, ii + torch.topk(tmp, m - n, dim=1, largest=False)[1], True)
    else:
        idx = torch.sort(metric, dim=-1, stable=True)[1][:, :int(W.shape[1] * stats["sparsity"])]
        mask.scatter_(1, idx, True)
    W[mask] = 0

def sparsegpt(W, stats, nm, blocksize=128, percdamp=0.01):
    W = W.float()
    H = stats["H"]
    rows, cols = W.shape
    dead = torch.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    damp = percdamp * torch.mean(torch.diag(H))
    H[torch.arange(cols), torch.arange(cols)] += damp
    H = torch.linalg.cholesky(H)
    H = torch.cholesky_inverse(H)
    Hinv = torch.linalg.cholesky(H, upper=True)
    for i1 in range(0, cols, blocksize):
        i2 = min(i1 + blocksize, cols)
        count = i2 - i1
        W1 = W[:, i1:i2].clone()
        Q1 = torch.zeros_like(W1)
        Err1 = torch.zeros_like(W1)
        Hinv1 = Hinv[i1:i2, i1:i2]
        if nm:
            mask1 = torch.zeros_like(W1, dtype=torch.bool)
        else:
            tmp = W1 ** 2 / (torch.diag(Hinv1).reshape((1, -1))) ** 2
            thresh = torch.sort(tmp.flatten())[0][int(tmp.numel() * stats["sparsity"])]
            mask1 = tmp <= thresh
        for i in range(count):
            w = W1[:, i]
            d = Hinv1[i, i]
            if nm and i % nm[1] == 0:
                n, m = nm
                tmp = W1[:, i:(i + m)] ** 2 / (torch.diag(Hinv1)[i:(i + m)].reshape((1, -1))) ** 2
                mask1.scatter_(1, i + torch.topk(tmp, m - n, dim=1, largest=False)[1], True)
            q = w.clone()
            q[mask1[:, i]] = 0
            Q1[:, i] = q
            err1 = (w - q) / d
            W1[:, i:] -= err1.unsqueeze(1).matmul(Hinv1[i, i:].unsqueeze(0))
            Err1[:, i] = err1
        W[:, i1:i2] = Q1
        W[:, i2:] -= Err1.matmul(Hinv[i1:i2, i2:])
    return W

current = {"mask": None}

def run(method, spec):
    state = {k: v.clone() for k, v in bert.state_dict().items()}
    nm = tuple(int(x) for x in spec.split(":")) if ":" in spec else None
    sparsity = None if nm else float(spec)
    start = time.perf_counter()
    with torch.no_grad():
        cal = list(length_ordered_batches(calibration))
        hidden = [embed(ids) for ids, _ in cal]
        for l in bert.encoder.layer:
            stats = {}
            hooks = []
            for lin in linears(l):
                cols = lin.in_features
                stats[lin] = {"n": 0, "sq": torch.zeros(cols), "H": torch.zeros(cols, cols) if method == "sparsegpt" else None,
                              "sparsity": sparsity}
                def hook(mod, inp, out, lin=lin):
                    x = inp[0][current["mask"].bool()].float()  # real tokens only
                    s = stats[lin]
                    n = x.shape[0]
                    s["sq"] += (x ** 2).sum(0)
                    if s["H"] is not None:
                        s["H"] *= s["n"] / (s["n"] + n)
                        s["H"] += (math.sqrt(2 / (s["n"] + n)) * x).t() @ (math.sqrt(2 / (s["n"] + n)) * x)
                    s["n"] += n
                hooks.append(lin.register_forward_hook(hook))
            for (ids, mask), h in zip(cal, hidden):
                current["mask"] = mask
                layer_forward(l, h, mask)
            for hk in hooks:
                hk.remove()
            for lin in linears(l):
                if method == "wanda":
                    wanda(lin.weight.data, stats[lin], nm)
                else:
                    lin.weight.data = sparsegpt(lin.weight.data, stats[lin], nm).to(lin.weight.dtype)
            hidden = [layer_forward(l, h, mask) for (ids, mask), h in zip(cal, hidden)]
    seconds = time.perf_counter() - start
    emb = sentence_embeddings(evaluation)
    bert.load_state_dict(state)
    return emb, seconds

dense = sentence_embeddings(evaluation)
for case in cases:
    method, spec = case.split(":", 1)
    times = []
    for _ in range(int(repeats)):
        emb, seconds = run(method, spec)
        times.append(seconds)
    cos = (emb * dense).sum(1).mean().item()
    print(json.dumps({"method": method, "spec": spec, "meanCosine": cos, "seconds": statistics.median(times),
                      "runs": times}), flush=True)
