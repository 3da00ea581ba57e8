#!/usr/bin/env python3
"""Writes Tests/AutodiffTests/Fixtures/ops.safetensors: for every op case, random inputs, the
forward output and the gradients of sum(output * upstream) with respect to every differentiable
input, all computed by real PyTorch (in float64, stored as float32).

Run once (needs `pip install torch safetensors numpy`); the fixture is committed so CI needs no PyTorch.
The case names must match `OpCases.swift` in the Swift tests.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import save_file

torch.manual_seed(0)
rng = np.random.default_rng(20261124)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "AutodiffTests", "Fixtures", "ops.safetensors")


def normal(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return np.abs(rng.standard_normal(shape)) + 0.5


def spaced(*shape):
    """Distinct values at least 0.1 apart and away from 0: safe for max, relu and |x| under finite differences."""
    n = int(np.prod(shape))
    v = (rng.permutation(n) - n / 2 + 0.5) * 0.1
    return v.reshape(shape)


# name -> (inputs, which inputs are differentiable, fn over torch tensors)
cases = {}


def case(name, inputs, fn, diff=None):
    cases[name] = (inputs, diff if diff is not None else list(range(len(inputs))), fn)


case("add_broadcast", [normal(3, 4, 5), normal(4, 1)], lambda a, b: a + b)
case("sub_broadcast", [normal(3, 4), normal(4)], lambda a, b: a - b)
case("mul_broadcast", [normal(2, 3, 4), normal(3, 1)], lambda a, b: a * b)
case("div", [normal(3, 4), positive(3, 4)], lambda a, b: a / b)
case("neg_scale_shift", [normal(3, 4)], lambda a: -(a * 2.5 + 1.0) / 3.0)
case("exp", [normal(3, 4)], torch.exp)
case("log", [positive(3, 4)], torch.log)
case("sqrt", [positive(3, 4)], torch.sqrt)
case("abs", [spaced(3, 4)], torch.abs)
case("relu", [spaced(3, 4)], torch.relu)
case("leaky_relu", [spaced(3, 4)], lambda a: F.leaky_relu(a, 0.1))
case("gelu", [normal(3, 4)], lambda a: F.gelu(a))
case("tanh", [normal(3, 4)], torch.tanh)
case("sigmoid", [normal(3, 4)], torch.sigmoid)
case("erf", [normal(3, 4)], torch.erf)
case("pow3", [normal(3, 4)], lambda a: a ** 3)
case("square", [normal(3, 4)], lambda a: a * a)
case("maximum", [spaced(3, 4), spaced(3, 4) + 0.05], torch.maximum)
case("sum_axis", [normal(3, 4, 5)], lambda a: a.sum(dim=1))
case("sum_all", [normal(3, 4, 5)], lambda a: a.sum())
case("mean_axes_keep", [normal(3, 4, 5)], lambda a: a.mean(dim=(0, 2), keepdim=True))
case("max_axis", [spaced(3, 4, 5)], lambda a: a.max(dim=1).values)
case("min_axis", [spaced(3, 4, 5)], lambda a: a.min(dim=2).values)
case("variance_axis", [normal(3, 6)], lambda a: a.var(dim=1, unbiased=False))
case("l1_norm", [spaced(3, 6)], lambda a: a.abs().sum(dim=1))
case("l2_norm", [normal(3, 6)], lambda a: a.norm(dim=1))
case("matmul_2d", [normal(5, 7), normal(7, 3)], torch.matmul)
case("matmul_batched", [normal(2, 5, 7), normal(2, 7, 3)], torch.matmul)
case("matmul_shared", [normal(2, 5, 7), normal(7, 3)], torch.matmul)
case("linear", [normal(4, 6), normal(5, 6), normal(5)], lambda x, w, b: F.linear(x, w, b))
case("linear_3d", [normal(2, 3, 6), normal(5, 6), normal(5)], lambda x, w, b: F.linear(x, w, b))
case("permute", [normal(2, 3, 4)], lambda a: a.permute(2, 0, 1))
case("transpose", [normal(3, 5)], lambda a: a.t())
case("reshape", [normal(2, 3, 4)], lambda a: a.reshape(6, 4))
case("slice", [normal(4, 6)], lambda a: a[:, 1:4])
case("concat", [normal(2, 3), normal(2, 5)], lambda a, b: torch.cat([a, b], dim=1))
case("gather_rows", [normal(5, 3)], lambda a: a.index_select(0, torch.tensor([4, 0, 0, 2])))
case("where", [normal(3, 4), normal(3, 4), normal(3, 4)], lambda c, a, b: torch.where(c > 0, a, b), diff=[1, 2])
case("embedding", [normal(10, 4), np.array([[1, 3], [3, 9]], dtype=np.float64)],
     lambda w, i: F.embedding(i.long(), w), diff=[0])
case("conv2d", [normal(2, 3, 7, 7), normal(4, 3, 3, 3), normal(4)], lambda x, w, b: F.conv2d(x, w, b, padding=1))
case("conv2d_stride_dilation", [normal(2, 3, 9, 9), normal(4, 3, 3, 3), normal(4)],
     lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=2, dilation=2))
case("conv2d_groups", [normal(2, 4, 6, 6), normal(6, 2, 3, 3), normal(6)], lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2))
case("conv2d_depthwise", [normal(2, 3, 6, 6), normal(3, 1, 3, 3), normal(3)], lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=3))
case("conv2d_rect_nobias", [normal(1, 2, 5, 8), normal(3, 2, 1, 1)], lambda x, w: F.conv2d(x, w))
case("max_pool", [spaced(2, 3, 6, 6)], lambda x: F.max_pool2d(x, 2))
case("max_pool_pad", [spaced(2, 2, 7, 7)], lambda x: F.max_pool2d(x, 3, stride=2, padding=1))
case("avg_pool", [normal(2, 3, 6, 6)], lambda x: F.avg_pool2d(x, 2))
case("avg_pool_pad", [normal(2, 2, 7, 7)], lambda x: F.avg_pool2d(x, 3, stride=2, padding=1))
case("global_avg_pool", [normal(2, 3, 4, 5)], lambda x: x.mean(dim=(2, 3)))
case("softmax_last", [normal(3, 5)], lambda a: torch.softmax(a, dim=-1))
case("softmax_first", [normal(3, 5)], lambda a: torch.softmax(a, dim=0))
case("log_softmax", [normal(3, 5)], lambda a: torch.log_softmax(a, dim=1))
case("layer_norm", [normal(4, 6), normal(6), normal(6)], lambda x, w, b: F.layer_norm(x, (6,), w, b, eps=1e-5))
case("batch_norm_train_2d", [normal(4, 3, 5, 5), normal(3), normal(3)],
     lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True, eps=1e-5))
case("batch_norm_train_1d", [normal(8, 5), normal(5), normal(5)],
     lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True, eps=1e-5))
LABELS = np.array([0, 4, 2, 2, 1, 3], dtype=np.float64)
case("cross_entropy", [normal(6, 5), LABELS], lambda z, y: F.cross_entropy(z, y.long()), diff=[0])
case("cross_entropy_smoothing", [normal(6, 5), LABELS], lambda z, y: F.cross_entropy(z, y.long(), label_smoothing=0.1), diff=[0])
case("mse", [normal(4, 3), normal(4, 3)], lambda a, b: F.mse_loss(a, b))
case("distillation_t2", [normal(4, 6), normal(4, 6)],
     lambda s, t: F.kl_div(F.log_softmax(s / 2, dim=1), F.softmax(t / 2, dim=1), reduction="batchmean") * 4, diff=[0])


def main():
    tensors = {}
    meta = {}
    for name, (inputs, diff, fn) in cases.items():
        ts = [torch.tensor(np.asarray(x, dtype=np.float32).astype(np.float64), requires_grad=(i in diff)) for i, x in enumerate(inputs)]
        out = fn(*ts)
        upstream = torch.tensor(rng.standard_normal(tuple(out.shape)).astype(np.float32).astype(np.float64))
        (out * upstream).sum().backward()
        for i, t in enumerate(ts):
            tensors[f"{name}.in{i}"] = t.detach().numpy().astype(np.float32)
            if i in diff:
                tensors[f"{name}.grad{i}"] = t.grad.numpy().astype(np.float32)
        tensors[f"{name}.out"] = out.detach().numpy().astype(np.float32).reshape(tuple(out.shape))
        tensors[f"{name}.upstream"] = upstream.numpy().astype(np.float32)
        meta[name] = json.dumps({"inputs": len(inputs), "diff": diff})
    meta["torch_version"] = torch.__version__
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file({k: v.copy(order="C") for k, v in tensors.items()}, OUT, metadata=meta)
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)} (torch {torch.__version__})", file=sys.stderr)


if __name__ == "__main__":
    main()
