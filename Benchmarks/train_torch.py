#!/usr/bin/env python3
"""PyTorch side of `prune bench train`: trains the same architecture as Prune's built-in model
(LeNet-300-100, the LeNet-5-style CNN, or ResNet-small) on the same Fashion-MNIST images with the same batch size,
optimizer (SGD, momentum 0.9) and thread count, and prints {"samples_per_second": …} as JSON.
Needs `pip install torch numpy`.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load_images(directory):
    path = os.path.join(directory, "train-images-idx3-ubyte.gz")
    with gzip.open(path, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    with gzip.open(os.path.join(directory, "train-labels-idx1-ubyte.gz"), "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    x = (data.reshape(-1, 1, 28, 28).astype(np.float32) / 255 - 0.286) / 0.353
    return torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))


def lenet300():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


class BasicBlock(nn.Module):
    """conv-BN-ReLU-conv-BN plus a shortcut (1x1 conv + BN where the shape changes), then ReLU,
    as Prune's ResNetSmall."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout))
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        skip = x if self.shortcut is None else self.shortcut(x)
        return F.relu(self.body(x) + skip)


def resnet_small(width=16):
    """Prune's `resnet-small`: a 3x3 stem, one basic block per stage at widths w, 2w, 4w (stride 2 between
    stages), global average pooling and a Linear head."""
    layers = [nn.Conv2d(1, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    cin = width
    for stage, mult in enumerate([1, 2, 4]):
        layers.append(BasicBlock(cin, width * mult, 2 if stage > 0 else 1))
        cin = width * mult
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="lenet300", choices=["lenet300", "lenet5", "resnet-small"])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=os.environ.get("PRUNE_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x, y = load_images(args.data)
    model = {"lenet300": lenet300, "lenet5": lenet5, "resnet-small": resnet_small}[args.model]()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    perm = torch.randperm(len(x))
    b = args.batch_size
    timed, t0 = 0, 0.0
    for i in range(args.steps + 10):
        idx = perm[i * b:(i + 1) * b]
        xb, yb = x[idx], y[idx]
        if i == 10:
            t0 = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        if i >= 10:
            timed += len(idx)
    print(json.dumps({"samples_per_second": timed / (time.perf_counter() - t0), "torch": torch.__version__,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
