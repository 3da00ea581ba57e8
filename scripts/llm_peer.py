#!/usr/bin/env python3
"""PyTorch peer of `prune bench llm`: one-shot pruning of a Llama-family decoder with transformers'
LlamaForCausalLM and the published algorithms, written from the papers and their reference code:

  magnitude  layer-wise |W| threshold (unstructured) or per group of M (N:M), as Wanda's repo does
  wanda      Sun et al. 2024: |W|·‖X_j‖₂, lowest fraction of each output row (N:M per group of M)
  sparsegpt  Frantar & Alistarh 2023: OBS updates, blocks of 128 columns, 1% dampening, adaptive mask
  owl+X      Yin et al. 2024: per-block sparsity from the outlier ratio (M = 5, λ = 0.08), then X

Like the reference code it calibrates block by block: each block's Linear inputs are collected with
hooks on the outputs of the already pruned blocks, the block is pruned, then run again.

  python3 scripts/llm_peer.py MODEL.gguf WINDOWS.safetensors METHOD SPARSITY [THREADS]

WINDOWS.safetensors (written by `prune bench llm`) holds `calibration` [n, L] and `evaluation`
[m, L] token ids, so both sides see the same tokens. Prints one JSON line: perplexity, tokens,
prune_seconds (calibration + pruning, the clock Prune's job uses), threads."""
import json, math, os, sys, time
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

path, windows_path, method, sparsity = sys.argv[1:5]
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 2
torch.set_num_threads(threads)
nm = tuple(int(x) for x in sparsity.split(":")) if ":" in sparsity else None
fraction = None if nm else float(sparsity)
windows = load_file(windows_path)
model = AutoModelForCausalLM.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path),
                                             torch_dtype=torch.float32)
model.eval()
LINEARS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
           "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]


def linears(block):
    return {n: block.get_submodule(n) for n in LINEARS}


class Stats:
    def __init__(self, cols, gram):
        self.n = 0
        self.sq = torch.zeros(cols, dtype=torch.float64)
        self.h = torch.zeros(cols, cols) if gram else None

    def add(self, x):
        x = x.reshape(-1, x.shape[-1]).float()
        self.n += x.shape[0]
        self.sq += (x.double() ** 2).sum(0)
        if self.h is not None:
            self.h += x.t() @ x


def mask_rows(metric, s):
    k = int(metric.shape[1] * s)
    mask = torch.zeros_like(metric, dtype=torch.bool)
    idx = torch.sort(metric, dim=-1, stable=True)[1][:, :k]
    mask.scatter_(1, idx, True)
    return mask


def mask_nm(metric, n, m):
    mask = torch.zeros_like(metric, dtype=torch.bool)
    for i in range(0, metric.shape[1], m):
        tmp = metric[:, i:i + m]
        mask.scatter_(1, i + torch.topk(tmp, m - n, dim=1, largest=False)[1], True)
    return mask


def magnitude(w, st, s):
    metric = w.abs()
    if nm: return mask_nm(metric, *nm)
    thresh = torch.sort(metric.flatten())[0][int(w.numel() * s)]
    return metric <= thresh


def wanda(w, st, s):
    metric = w.abs() * torch.sqrt(st.sq.float()).reshape(1, -1)
    return mask_nm(metric, *nm) if nm else mask_rows(metric, s)


def sparsegpt(w, st, s, blocksize=128, percdamp=0.01):
    W = w.clone().float()
    H = st.h * (2 / st.n)
    dead = torch.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    damp = percdamp * torch.mean(torch.diag(H))
    H[range(H.shape[0]), range(H.shape[0])] += damp
    H = torch.linalg.cholesky(H)
    H = torch.cholesky_inverse(H)
    Hinv = torch.linalg.cholesky(H, upper=True)
    cols = W.shape[1]
    for i1 in range(0, cols, blocksize):
        i2 = min(i1 + blocksize, cols)
        W1 = W[:, i1:i2].clone()
        Q1 = torch.zeros_like(W1)
        Err1 = torch.zeros_like(W1)
        Hinv1 = Hinv[i1:i2, i1:i2]
        if nm is None:
            tmp = W1 ** 2 / (torch.diag(Hinv1).reshape((1, -1))) ** 2
            thresh = torch.sort(tmp.flatten())[0][int(tmp.numel() * s)]
            mask1 = tmp <= thresh
        else:
            mask1 = torch.zeros_like(W1, dtype=torch.bool)
        for i in range(i2 - i1):
            w1 = W1[:, i]
            d = Hinv1[i, i]
            if nm is not None and i % nm[1] == 0:
                tmp = W1[:, i:(i + nm[1])] ** 2 / (torch.diag(Hinv1)[i:(i + nm[1])].reshape((1, -1))) ** 2
                mask1.scatter_(1, i + torch.topk(tmp, nm[1] - nm[0], dim=1, largest=False)[1], True)
            q = w1.clone()
            q[mask1[:, i]] = 0
            Q1[:, i] = q
            err1 = (w1 - q) / d
            W1[:, i:] -= err1.unsqueeze(1).matmul(Hinv1[i, i:].unsqueeze(0))
            Err1[:, i] = err1
        W[:, i1:i2] = Q1
        W[:, i2:] -= Err1.matmul(Hinv[i1:i2, i2:])
    return W


def outlier_ratio(block, stats):
    scores = [(lin.weight.data.abs() * torch.sqrt(stats[n].sq.float()).reshape(1, -1)).flatten()
              for n, lin in linears(block).items()]
    allw = torch.cat(scores)
    return ((allw > 5 * allw.mean()).sum() / allw.numel()).item()


def collect(block, hidden, pe, gram):
    stats = {n: Stats(lin.in_features, gram) for n, lin in linears(block).items()}
    handles = [lin.register_forward_hook(lambda m, i, o, n=n: stats[n].add(i[0].data)) for n, lin in linears(block).items()]
    outs = [forward(block, h, pe) for h in hidden]
    for hd in handles: hd.remove()
    return stats, outs


def forward(block, h, pe):
    out = block(h, attention_mask=None, position_embeddings=pe)
    return out[0] if isinstance(out, tuple) else out


def prune_model(base):
    calib = windows["calibration"].long()
    blocks = model.model.layers
    with torch.no_grad():
        hidden = [model.model.embed_tokens(calib[i:i + 1]) for i in range(calib.shape[0])]
        pos = torch.arange(calib.shape[1]).unsqueeze(0)
        pe = model.model.rotary_emb(hidden[0], pos)
        sparsities = [fraction] * len(blocks)
        if method.startswith("owl+"):
            ratios, h = [], hidden
            for b in blocks:
                stats, h = collect(b, h, pe, False)
                ratios.append(outlier_ratio(b, stats))
            lo, hi, lam = min(ratios), max(ratios), 0.08
            scaled = [(r - lo) / (hi - lo) * 2 * lam for r in ratios]
            mean = sum(scaled) / len(scaled)
            sparsities = [1 - (x - mean + (1 - fraction)) for x in scaled]
        for bi, b in enumerate(blocks):
            stats, _ = collect(b, hidden, pe, base == "sparsegpt")
            for n, lin in linears(b).items():
                w = lin.weight.data
                if base == "sparsegpt":
                    lin.weight.data = sparsegpt(w, stats[n], sparsities[bi]).to(w.dtype)
                else:
                    mask = (magnitude if base == "magnitude" else wanda)(w, stats[n], sparsities[bi])
                    w[mask] = 0
            hidden = [forward(b, h, pe) for h in hidden]


def perplexity():
    ev = windows["evaluation"].long()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(ev.shape[0]):
            logits = model(ev[i:i + 1]).logits[0].double()
            lse = torch.logsumexp(logits[:-1], -1)
            total += (lse - logits[:-1].gather(1, ev[i, 1:, None])[:, 0]).sum().item()
            count += ev.shape[1] - 1
    return math.exp(total / count), count


base = method[4:] if method.startswith("owl+") else method
seconds = 0.0
if base != "dense":
    t0 = time.perf_counter()
    prune_model(base)
    seconds = time.perf_counter() - t0
ppl, tokens = perplexity()
print(json.dumps({"method": method, "sparsity": sparsity, "perplexity": ppl, "tokens": tokens,
                  "prune_seconds": seconds, "threads": threads}))
