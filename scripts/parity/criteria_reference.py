#!/usr/bin/env python3
"""Independent reference values for Prune's pruning criteria (Tests/PruningTests/CriteriaParityTests).

A small network fc1 (4 -> 6) -> BatchNorm1d (eval, running statistics set) -> ReLU -> fc2 (6 -> 3),
16 examples in two batches of 8, mean cross-entropy. Every score is computed here from its paper's
definition with PyTorch autograd (full Hessian by torch.autograd.functional.hessian) and NumPy:

  taylor   |g·w|, g the mean over batches of the mini-batch mean gradient (Molchanov et al. 2017)
  fisher   ½·F·w², F = B·mean_b(ḡ_b²): the empirical Fisher from mini-batch gradients scaled by the
           batch size B (the approximation METHODS.md allows)
  snip     |g·w| / Σ|g·w| over both weights, first batch only (Lee et al. 2019)
  obd      ½·h·w² with h the exact Hessian diagonal on the first batch; `hessianOffDiagonalSquares`
           (Σ_{k≠i} H_ik²) bounds the Hutchinson estimate's sampling error
  wanda    |W_ij|·‖X_j‖₂ over both batches, 50% masks removing the lowest half of each output row
  activation / variance / apoz  on the activation the network applies: ReLU(BN(fc1 x)) for fc1,
           the raw logits for fc2
  movement −Σ_t w_t·g_t over two Adam steps (lr 0.01), in training mode (Sanh et al. 2020)
  lamp     w_u² / Σ_{|w_v| ≥ |w_u|} w_v² per layer (Lee et al. 2021)
  fpgm     Σ_j ‖F_i − F_j‖₂ over the rows of fc1 (He et al. 2019)

Run: python3 scripts/parity/criteria_reference.py > Tests/PruningTests/Fixtures/criteria_reference.json
"""
import json

import numpy as np
import torch

torch.manual_seed(7)
torch.set_default_dtype(torch.float64)   # the reference in double; Prune computes in float32

fc1, bn, fc2 = torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.Linear(6, 3)
with torch.no_grad():
    bn.running_mean.copy_(torch.randn(6) * 0.3)
    bn.running_var.copy_(torch.rand(6) + 0.5)
    bn.weight.copy_(torch.rand(6) + 0.5)
    bn.bias.copy_(torch.randn(6) * 0.2)
model = torch.nn.Sequential(fc1, bn, torch.nn.ReLU(), fc2)
X = torch.randn(16, 4)
y = torch.tensor([i % 3 for i in range(16)])
B = 8
batches = [(X[i:i + B], y[i:i + B]) for i in range(0, 16, B)]
initial = {k: v.clone() for k, v in model.state_dict().items()}
weights = {"fc1.weight": fc1.weight, "fc2.weight": fc2.weight}


def grads(xb, yb):
    model.zero_grad()
    torch.nn.functional.cross_entropy(model(xb), yb).backward()
    return {k: w.grad.detach().clone() for k, w in weights.items()}


model.eval()
per_batch = [grads(xb, yb) for xb, yb in batches]
g_mean = {k: sum(g[k] for g in per_batch) / len(per_batch) for k in weights}
g_sq = {k: B * sum(g[k] ** 2 for g in per_batch) / len(per_batch) for k in weights}
out = {"taylor": {}, "fisher": {}, "snip": {}, "obd": {}, "hessianDiagonal": {}, "hessianOffDiagonalSquares": {},
       "wanda": {}, "wandaMask50": {}, "activation": {}, "activationVariance": {}, "apoz": {}, "movement": {},
       "lamp": {}, "fpgm": {}}
for k, w in weights.items():
    w = w.detach()
    out["taylor"][k] = (g_mean[k] * w).abs().flatten().tolist()
    out["fisher"][k] = (0.5 * g_sq[k] * w ** 2).flatten().tolist()

g0 = per_batch[0]
total = sum((g0[k] * w.detach()).abs().sum() for k, w in weights.items())
for k, w in weights.items():
    out["snip"][k] = ((g0[k] * w.detach()).abs() / total).flatten().tolist()

# Exact Hessian of the first batch's loss over both weights (biases fixed).
names = list(weights)
shapes = [weights[k].shape for k in names]
sizes = [weights[k].numel() for k in names]


def loss_of(flat):
    parts = torch.split(flat, sizes)
    w1, w2 = (p.reshape(s) for p, s in zip(parts, shapes))
    h = torch.nn.functional.linear(batches[0][0], w1, fc1.bias.detach())
    h = torch.relu(torch.nn.functional.batch_norm(h, bn.running_mean, bn.running_var, bn.weight.detach(),
                                                  bn.bias.detach(), training=False, eps=bn.eps))
    return torch.nn.functional.cross_entropy(torch.nn.functional.linear(h, w2, fc2.bias.detach()), batches[0][1])


flat = torch.cat([weights[k].detach().flatten() for k in names])
H = torch.autograd.functional.hessian(loss_of, flat)
diag = torch.diag(H)
off = (H ** 2).sum(1) - diag ** 2
for k, d, o, w in zip(names, torch.split(diag, sizes), torch.split(off, sizes), (weights[k] for k in names)):
    out["hessianDiagonal"][k] = d.tolist()
    out["hessianOffDiagonalSquares"][k] = o.tolist()
    out["obd"][k] = (0.5 * d.clamp(min=0) * w.detach().flatten() ** 2).tolist()

# Inputs and activations as the network applies them, over both batches.
with torch.no_grad():
    h1 = fc1(X)
    a1 = torch.relu(bn(h1))
    logits = fc2(a1)
for k, inp in (("fc1.weight", X), ("fc2.weight", a1)):
    w = weights[k].detach()
    norms = inp.norm(dim=0)
    s = w.abs() * norms[None, :]
    out["wanda"][k] = s.flatten().tolist()
    mask = torch.ones_like(s)
    drop = torch.argsort(s, dim=1, stable=True)[:, : s.shape[1] // 2]
    mask.scatter_(1, drop, 0)
    out["wandaMask50"][k] = mask.flatten().tolist()
for k, a in (("fc1.weight", a1), ("fc2.weight", logits)):
    out["activation"][k] = a.abs().mean(0).tolist()
    out["activationVariance"][k] = a.var(0, unbiased=False).tolist()
    out["apoz"][k] = (a == 0).double().mean(0).tolist()

for k, w in weights.items():
    w = w.detach().numpy()
    sq = (w ** 2).flatten()
    order = np.argsort(sq, kind="stable")
    suffix = np.cumsum(sq[order][::-1])[::-1]
    lamp = np.empty_like(sq)
    lamp[order] = sq[order] / suffix
    out["lamp"][k] = lamp.tolist()
F = fc1.weight.detach().numpy()
out["fpgm"]["fc1.weight"] = [float(sum(np.linalg.norm(F[i] - F[j]) for j in range(F.shape[0]))) for i in range(F.shape[0])]

# Movement: two Adam steps in training mode from the same start; −Σ w·g before each update.
model.train()
opt = torch.optim.Adam(model.parameters(), lr=0.01)
movement = {k: torch.zeros_like(w) for k, w in weights.items()}
for xb, yb in batches:
    g = grads(xb, yb)
    for k, w in weights.items():
        movement[k] -= w.detach() * g[k]
    opt.step()
for k in weights:
    out["movement"][k] = movement[k].flatten().tolist()

out["model"] = {k: v.flatten().tolist() for k, v in initial.items() if "num_batches" not in k}
out["shapes"] = {k: list(v.shape) for k, v in initial.items() if "num_batches" not in k}
out["inputs"] = X.flatten().tolist()
out["labels"] = y.tolist()
out["batchSize"] = B
print(json.dumps(out, indent=1))
