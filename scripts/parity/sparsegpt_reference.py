#!/usr/bin/env python3
"""Reference fixture for Prune's SparseGPT: a NumPy transcription of the layer update of
Frantar & Alistarh 2023 (the algorithm in ../shared/METHODS.md, as in the authors' reference
code `SparseGPT.fasterprune`), run on a small random layer with correlated inputs.

One deliberate difference from the reference code, shared with Prune: the unstructured mask of a
block removes exactly round(s * rows * block_columns) weights (lowest w^2/U_ii^2, ties by
position), where the reference removes those at or below the s-quantile (one more at most).

Run: python3 scripts/parity/sparsegpt_reference.py > Tests/OneShotTests/Fixtures/sparsegpt_reference.json
"""
import json
import sys
import numpy as np

def sparsegpt(W, X, sparsity=None, n=0, m=0, blocksize=16, percdamp=0.01):
    W = W.astype(np.float64).copy()
    rows, cols = W.shape
    H = 2.0 / X.shape[0] * (X.T.astype(np.float64) @ X.astype(np.float64))
    dead = np.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    H += percdamp * np.mean(np.diag(H)) * np.eye(cols)
    Hinv = np.linalg.inv(H)
    U = np.linalg.cholesky(Hinv).T  # upper factor: Hinv = U^T U
    for i1 in range(0, cols, blocksize):
        i2 = min(i1 + blocksize, cols)
        W1 = W[:, i1:i2].copy()
        Err = np.zeros_like(W1)
        d = np.diag(U[i1:i2, i1:i2])
        mask = np.zeros(W1.shape, dtype=bool)
        if sparsity is not None:
            tmp = W1 ** 2 / d[None, :] ** 2
            k = int(round(sparsity * tmp.size))
            order = np.argsort(tmp.ravel(), kind="stable")[:k]
            mask.ravel()[order] = True
        for i in range(i2 - i1):
            if m and i % m == 0:
                tmp = W1[:, i:i + m] ** 2 / d[None, i:i + m] ** 2
                for r in range(rows):
                    idx = np.argsort(tmp[r], kind="stable")[: m - n]
                    mask[r, i + idx] = True
            w = W1[:, i]
            q = w.copy()
            q[mask[:, i]] = 0
            e = (w - q) / U[i1 + i, i1 + i]
            W1[:, i:] -= np.outer(e, U[i1 + i, i1 + i:i2])
            W1[:, i] = q
            Err[:, i] = e
        W[:, i1:i2] = W1
        W[:, i2:] -= Err @ U[i1:i2, i2:]
    return W

rng = np.random.default_rng(7)
rows, cols, tokens = 12, 40, 200
W = rng.standard_normal((rows, cols)).astype(np.float32)
mix = rng.standard_normal((cols, cols)) * 0.3 + np.eye(cols)
X = (rng.standard_normal((tokens, cols)) @ mix).astype(np.float32)
X[:, 5] = 0  # a dead input
cases = {
    "unstructured50": sparsegpt(W, X, sparsity=0.5),
    "unstructured75": sparsegpt(W, X, sparsity=0.75),
    "2of4": sparsegpt(W, X, n=2, m=4),
    "4of8": sparsegpt(W, X, n=4, m=8),
}
json.dump({"rows": rows, "cols": cols, "tokens": tokens, "blockSize": 16,
           "W": W.ravel().tolist(), "X": X.ravel().tolist(),
           "results": {k: v.ravel().tolist() for k, v in cases.items()}}, sys.stdout)
sys.stdout.write("\n")
