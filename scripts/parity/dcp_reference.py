#!/usr/bin/env python3
"""Independent reference for DCP's channel selection (Zhuang et al., NeurIPS 2018, Algorithm 2), written
from the paper with NumPy (no Prune code). The consumer's outputs are computed by an explicit convolution
(loops over windows), its globally averaged outputs by averaging those outputs (Prune multiplies a mean
patch by the weight), the losses from their definitions — L_M the mean squared error of the outputs over
all positions and output channels, L_S the cross-entropy of a softmax classifier on the averaged outputs
— and their gradient in W is checked against central finite differences of those losses before the
greedy selection uses it.

Run: python3 scripts/parity/dcp_reference.py > Tests/PruningTests/Fixtures/dcp_reference.json
"""
import json
import numpy as np

rng = np.random.default_rng(11)
N, C, H, W_, O, K, PAD = 60, 5, 5, 5, 4, 3, 1
FIRST, CH = 1, 4          # the group: input channels 1…4
LAMBDA, STEPS, AUX_STEPS = 1.0, 10, 300

labels = np.arange(N) % K
x = np.maximum(rng.normal(size=(N, C, H, W_)), 0)
x[:, 2] = 3.0 * np.maximum(rng.normal(size=(N, H, W_)), 0)        # a strong channel, unrelated to the labels
x[:, 4] = 0.3 * (labels[:, None, None] == 1) + 0.02 * rng.random((N, H, W_))   # weak but tells class 1 apart
w = rng.normal(size=(O, C, 3, 3))
x = x.astype(np.float32).astype(np.float64)
w = w.astype(np.float32).astype(np.float64)


def conv(x, w):
    n, c, h, ww = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (PAD, PAD), (PAD, PAD)))
    out = np.zeros((n, w.shape[0], h, ww))
    for b in range(n):
        for i in range(h):
            for j in range(ww):
                out[b, :, i, j] = np.tensordot(w, xp[b, :, i:i + 3, j:j + 3], axes=3)
    return out


def windows(x):
    n, c, h, ww = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (PAD, PAD), (PAD, PAD)))
    return np.array([[xp[b, :, i:i + 3, j:j + 3].reshape(-1) for i in range(h) for j in range(ww)]
                     for b in range(n)])          # n × positions × C·9


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits, y):
    return -np.mean(np.log(softmax(logits)[np.arange(len(y)), y]))


dense_out = conv(x, w)
z0 = dense_out.mean(axis=(2, 3))                   # N × O
onehot = np.eye(K)[labels]

# Auxiliary classifier: gradient descent from zero, step 1/L with L = ½(σ_max(Z)²/N + 1).
A, a = np.zeros((K, O)), np.zeros(K)
rate = 1 / (0.5 * (np.linalg.svd(z0, compute_uv=False).max() ** 2 / N + 1))
for _ in range(AUX_STEPS):
    r = (softmax(z0 @ A.T + a) - onehot) / N
    A -= rate * r.T @ z0
    a -= rate * r.sum(axis=0)

cols = slice(FIRST * 9, (FIRST + CH) * 9)


def full_weight(wg):
    wf = w.reshape(O, -1).copy()
    wf[:, cols] = wg
    return wf.reshape(w.shape)


def loss(wg):
    out = conv(x, full_weight(wg))
    lm = np.mean((dense_out - out) ** 2)
    ls = cross_entropy(out.mean(axis=(2, 3)) @ A.T + a, labels)
    return lm + LAMBDA * ls


P = windows(x)
S = N * H * W_
flat = P.reshape(S, -1)[:, cols]
sigma = flat.T @ flat / S
pooled = P.mean(axis=1)[:, cols]
w0 = w.reshape(O, -1)[:, cols]


def gradient(wg):
    delta = w0 - wg
    g = -2 / O * delta @ sigma
    z = z0 - pooled @ delta.T
    r = (softmax(z @ A.T + a) - onehot) / N
    return g + LAMBDA * (r @ A).T @ pooled


# The analytic gradient against central differences of the losses as defined.
probe = rng.normal(size=w0.shape) * 0.3
g = gradient(probe)
for (o, j) in [(0, 0), (1, 5), (3, 20), (2, 35)]:
    e = np.zeros_like(probe)
    e[o, j] = 1e-5
    fd = (loss(probe + e) - loss(probe - e)) / 2e-5
    assert abs(fd - g[o, j]) < 1e-6 * max(1, abs(fd)), (o, j, fd, g[o, j])

lip = (2 / O * np.linalg.eigvalsh(sigma).max()
       + LAMBDA * 0.5 * np.linalg.svd(A, compute_uv=False).max() ** 2
       * np.linalg.svd(pooled, compute_uv=False).max() ** 2 / N)
step = 1 / lip


def select(lam_scale=1.0):
    global LAMBDA
    saved, LAMBDA = LAMBDA, LAMBDA * lam_scale
    lip_here = (2 / O * np.linalg.eigvalsh(sigma).max()
                + LAMBDA * 0.5 * np.linalg.svd(A, compute_uv=False).max() ** 2
                * np.linalg.svd(pooled, compute_uv=False).max() ** 2 / N)
    wg, chosen = np.zeros_like(w0), []
    while len(chosen) < CH:
        g = gradient(wg)
        norms = [np.sum(g[:, k * 9:(k + 1) * 9] ** 2) for k in range(CH)]
        best = max((k for k in range(CH) if k not in chosen), key=lambda k: (norms[k], -k))
        chosen.append(best)
        mask = np.zeros(CH * 9, dtype=bool)
        for k in chosen:
            mask[k * 9:(k + 1) * 9] = True
        for _ in range(STEPS):
            g = gradient(wg)
            wg[:, mask] -= g[:, mask] / lip_here
    LAMBDA = saved
    return chosen


print(json.dumps({
    "input": x.reshape(-1).tolist(), "input_shape": list(x.shape),
    "weight": w.reshape(-1).tolist(), "weight_shape": list(w.shape),
    "labels": labels.tolist(), "first_channel": FIRST, "channels": CH, "padding": PAD,
    "lambda": LAMBDA, "steps": STEPS, "classifier_steps": AUX_STEPS,
    "dense_pooled_outputs": z0.reshape(-1).tolist(),
    "classifier_weight": A.reshape(-1).tolist(), "classifier_bias": a.tolist(),
    "gradient_at_zero": gradient(np.zeros_like(w0)).reshape(-1).tolist(),
    "lambdas": [0.0, 1.0, 10.0], "selection_orders": [select(0.0), select(1.0), select(10.0)],
    "step_size": step,
}))
