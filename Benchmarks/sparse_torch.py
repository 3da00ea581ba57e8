"""Peer timings for `prune bench sparse`, on the same shapes, sparsities, batches and threads:
PyTorch dense (x @ W.T), torch.sparse CSR (float32) of a random matrix of the same sparsity, and
PyTorch's int8 dynamic-quantized Linear (per-output-row weight scales, as Prune's int8 format).
Each timing is the median of 5 rounds, a round timing back-to-back calls for at least 40 ms after
one warm-up call (the same rule as Prune's side).
Prints JSON lines: {"out","in","sparsity","batch","dense","csr"} and {"out","in","batch","int8":seconds}.
Usage: python3 Benchmarks/sparse_torch.py SHAPES SPARSITIES BATCHES THREADS
"""
import json
import statistics
import sys
import time
import warnings

import torch

warnings.filterwarnings("ignore")


def timed(fn, rounds=5, min_seconds=0.04):
    fn()
    per_call = []
    for _ in range(rounds):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            el = time.perf_counter() - start
            if el >= min_seconds:
                break
        per_call.append(el / n)
    return statistics.median(per_call)


def int8_linear(w):
    lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
    lin.weight.data.copy_(w)
    spec = {torch.nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig}
    return torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(lin), spec, dtype=torch.qint8)


def main():
    shapes = [tuple(int(v) for v in s.split("x")) for s in sys.argv[1].split(",")]
    sparsities = [float(v) for v in sys.argv[2].split(",")]
    batches = [int(v) for v in sys.argv[3].split(",")]
    torch.set_num_threads(int(sys.argv[4]))
    torch.manual_seed(0)
    with torch.no_grad():
        for out_f, in_f in shapes:
            q = int8_linear(torch.randn(out_f, in_f))
            for b in batches:
                x = torch.randn(b, in_f)
                print(json.dumps({"out": out_f, "in": in_f, "batch": b, "int8": timed(lambda: q(x))}), flush=True)
            for s in sparsities:
                w = torch.randn(out_f, in_f)
                w[torch.rand(out_f, in_f) < s] = 0
                wc = w.to_sparse_csr()
                for b in batches:
                    x = torch.randn(b, in_f)
                    xt = x.t().contiguous()
                    dense = timed(lambda: x @ w.t())
                    csr = timed(lambda: torch.sparse.mm(wc, xt))
                    print(json.dumps({"out": out_f, "in": in_f, "sparsity": s, "batch": b, "dense": dense, "csr": csr}),
                          flush=True)


if __name__ == "__main__":
    main()
