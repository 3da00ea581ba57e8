"""Peer timings for `prune bench sparse`: PyTorch dense (x @ W.T) and torch.sparse CSR on the same
shapes, sparsities and batches, with the same random-pruning pattern density. Prints JSON lines:
{"out":..,"in":..,"sparsity":..,"batch":..,"dense":seconds,"csr":seconds}.
Usage: python3 Benchmarks/sparse_torch.py SHAPES SPARSITIES BATCHES THREADS
"""
import json
import sys
import time

import torch


def timed(fn, min_seconds=0.2):
    fn()
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        el = time.perf_counter() - start
        if el >= min_seconds and n >= 3:
            return el / n


def main():
    shapes = [tuple(int(v) for v in s.split("x")) for s in sys.argv[1].split(",")]
    sparsities = [float(v) for v in sys.argv[2].split(",")]
    batches = [int(v) for v in sys.argv[3].split(",")]
    torch.set_num_threads(int(sys.argv[4]))
    torch.manual_seed(0)
    for out_f, in_f in shapes:
        for s in sparsities:
            w = torch.randn(out_f, in_f)
            w[torch.rand(out_f, in_f) < s] = 0
            wc = w.to_sparse_csr()
            for b in batches:
                x = torch.randn(b, in_f)
                xt = x.t().contiguous()
                with torch.no_grad():
                    dense = timed(lambda: x @ w.t())
                    csr = timed(lambda: torch.sparse.mm(wc, xt))
                print(json.dumps({"out": out_f, "in": in_f, "sparsity": s, "batch": b, "dense": dense, "csr": csr}), flush=True)


if __name__ == "__main__":
    main()
