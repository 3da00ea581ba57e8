#!/usr/bin/env python3
"""Independent reference for ThiNet, LASSO channel selection and the two closed-form refits, written from
the papers with NumPy and scikit-learn (no Prune code): im2col by explicit loops, each channel's
contribution to each output materialized (Prune never does: it uses block sums of XᵀX ⊙ WᵀW), ThiNet's
greedy step evaluated on those contributions, LASSO entry steps from sklearn's `lasso_path` on the same
relative grid of alphas, the least-squares weights from `numpy.linalg.solve` and ThiNet's scales from the
contributions of the kept channels.

Run: python3 scripts/parity/channel_selection_reference.py > Tests/PruningTests/Fixtures/channel_selection_reference.json
"""
import json
import numpy as np
from sklearn.linear_model import lasso_path

rng = np.random.default_rng(7)


def im2col(x, kh, kw, pad):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, w + 2 * pad - kw + 1
    rows = []
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                rows.append(xp[b, :, i:i + kh, j:j + kw].reshape(-1))
    return np.array(rows)


def thinet_order(z):
    """z: samples × channels contributions (samples = patch × output). Greedy on Σ (Σ_{T ∪ {i}} z)²."""
    left, removed = list(range(z.shape[1])), []
    running = np.zeros(z.shape[0])
    while left:
        costs = [np.sum((running + z[:, i]) ** 2) for i in left]
        best = left[int(np.argmin(costs))]
        removed.append(best)
        left.remove(best)
        running += z[:, best]
    return removed


def lasso_entries(z, steps=200, floor=1e-4):
    y = z.sum(axis=1)
    n = z.shape[0]
    top = np.max(np.abs(z.T @ y)) / n
    alphas = top * floor ** (np.arange(steps) / (steps - 1))
    _, coefs, _ = lasso_path(z, y, alphas=alphas, tol=1e-14, max_iter=1_000_000)
    entries = []
    for c in range(z.shape[1]):
        nonzero = np.nonzero(coefs[c])[0]
        entries.append(int(nonzero[0]) if len(nonzero) else -1)
    return entries


# Convolution consumer: input [2, 5, 6, 6] after a ReLU, weight [4, 5, 3, 3], padding 1; the group is
# input channels 1…4 (first channel 1).
x = np.maximum(rng.normal(size=(2, 5, 6, 6)), 0).astype(np.float32)
w = rng.normal(size=(4, 5, 3, 3)).astype(np.float32)
w[:, 3] *= 0.2   # one weak channel
patches = im2col(x.astype(np.float64), 3, 3, 1)                     # S × 45
s, o = patches.shape[0], w.shape[0]
wd = w.astype(np.float64)
z = np.stack([patches[:, c * 9:(c + 1) * 9] @ wd[:, c].reshape(o, 9).T for c in range(1, 5)], axis=-1)  # S×O×4
zf = z.reshape(s * o, 4)
gram = zf.T @ zf / s

# Refits after removing group channel 2 (input channel 3).
kept = [0, 1, 2, 4]
cols = [c * 9 + k for c in kept for k in range(9)]
xk = patches[:, cols]
y = patches @ wd.reshape(o, -1).T                                  # dense outputs, no bias
g = xk.T @ xk
ridge = 0.01 * np.mean(np.diag(g))
least_squares = np.linalg.solve(g + ridge * np.eye(len(cols)), xk.T @ y).T     # O × 36
wk = wd.reshape(o, -1)[:, cols]
zk = np.stack([xk[:, i * 9:(i + 1) * 9] @ wk[:, i * 9:(i + 1) * 9].T for i in range(4)], axis=-1).reshape(s * o, 4)
a = zk.T @ zk
scales = np.linalg.solve(a + 1e-6 * np.mean(np.diag(a)) * np.eye(4), zk.T @ y.reshape(-1))
scaled = wk * np.repeat(scales, 9)[None, :]

# Linear consumer after a Flatten: 5 channels × 3 features, the group is channels 1…3.
xl = rng.normal(size=(20, 15)).astype(np.float32)
wl = rng.normal(size=(6, 15)).astype(np.float32)
zl = np.stack([xl[:, c * 3:(c + 1) * 3].astype(np.float64) @ wl[:, c * 3:(c + 1) * 3].astype(np.float64).T
               for c in range(1, 4)], axis=-1).reshape(20 * 6, 3)
gram_linear = zl.T @ zl / 20

print(json.dumps({
    "conv": {
        "input": x.reshape(-1).tolist(), "input_shape": list(x.shape),
        "weight": w.reshape(-1).tolist(), "weight_shape": list(w.shape), "padding": 1,
        "first_channel": 1, "channels": 4,
        "gram": gram.reshape(-1).tolist(),
        "thinet_order": thinet_order(zf),
        "lasso_entries": lasso_entries(zf),
        "kept_channels": kept,
        "least_squares_weight": least_squares.reshape(-1).tolist(),
        "scaled_weight": scaled.reshape(-1).tolist(),
    },
    "linear": {
        "input": xl.reshape(-1).tolist(), "input_shape": list(xl.shape),
        "weight": wl.reshape(-1).tolist(), "weight_shape": list(wl.shape),
        "first_channel": 1, "channels": 3, "expansion": 3,
        "gram": gram_linear.reshape(-1).tolist(),
        "thinet_order": thinet_order(zl),
    },
}))
