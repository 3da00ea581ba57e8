"""Exports the ONNX fixtures of Tests/ONNXTests/Fixtures from PyTorch (run once; the files are committed,
so CI needs onnxruntime but not PyTorch).

For each model it writes NAME.onnx and NAME.io.safetensors (a seeded input `x` and onnxruntime's output
`y` on it). The CNN is trained for two epochs on Fashion-MNIST first (Debian's dataset-fashion-mnist).

    python3 scripts/onnx/export_fixtures.py                 # all; needs torch, onnx, onnxruntime, numpy
    python3 scripts/onnx/export_fixtures.py torch_encoder   # only the named ones
"""
import gzip, json, os, struct, sys, warnings
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import onnx, onnxruntime as ort

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import write_safetensors

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ONNXTests", "Fixtures")
DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530   # Prune's DataOptions normalization



def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        r, c = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, r, c)
    return np.frombuffer(data, np.uint8, offset=8)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(784, 128), nn.Linear(128, 64), nn.Linear(64, 10)
    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.fc3(torch.tanh(self.fc2(F.relu(self.fc1(x)))))


class CNN(nn.Module):
    """Conv-BN-ReLU-pool twice, then x.view(x.size(0), -1) (Shape/Gather/Concat/Reshape in the graph)."""
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.conv2, self.bn2 = nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.fc1, self.drop, self.fc2 = nn.Linear(32 * 7 * 7, 64), nn.Dropout(0.2), nn.Linear(64, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = x.view(x.size(0), -1)
        return self.fc2(self.drop(F.leaky_relu(self.fc1(x), 0.1)))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.c2, self.b2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.short = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (x if self.short is None else self.short(x)))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem, self.bn = nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)
        self.layer1, self.layer2, self.layer3 = Block(16, 16, 1), Block(16, 32, 2), Block(32, 32, 1)
        self.fc = nn.Linear(32, 10)
    def forward(self, x):
        x = F.relu(self.bn(self.stem(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class MobileNet(nn.Module):
    """Depthwise-separable blocks (groups = channels), ReLU6-free so every op is in Prune's list."""
    def __init__(self):
        super().__init__()
        def sep(cin, cout, stride):
            return nn.Sequential(nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU(),
                                 nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.blocks = nn.Sequential(sep(16, 32, 1), sep(32, 64, 2), sep(64, 64, 1))
        self.pool = nn.AvgPool2d(7)
        self.fc = nn.Linear(64, 10)
    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.q, self.k, self.v, self.o = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff1, self.ff2 = nn.Linear(d, ff), nn.Linear(ff, d)
    def forward(self, x):
        b, s, d = x.shape
        def heads(t): return t.reshape(b, s, self.h, self.dh).transpose(1, 2)
        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        a = torch.softmax(q @ k.transpose(-2, -1) / (self.dh ** 0.5), dim=-1) @ v
        x = self.ln1(x + self.o(a.transpose(1, 2).reshape(b, s, d)))
        return self.ln2(x + self.ff2(F.gelu(self.ff1(x))))


class Transformer(nn.Module):
    """A 2-layer post-norm encoder over float inputs [batch, tokens, 32], mean-pooled into 4 classes."""
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([EncoderLayer(32, 4, 64) for _ in range(2)])
        self.head = nn.Linear(32, 4)
    def forward(self, x):
        for l in self.layers: x = l(x)
        return self.head(x.mean(dim=1))


def torch_encoder():
    """PyTorch's own nn.TransformerEncoder (2 layers, ReLU feed-forward), as its users export it."""
    layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.1, batch_first=True)
    return nn.Sequential(nn.TransformerEncoder(layer, 2, enable_nested_tensor=False), nn.Flatten(1), nn.Linear(8 * 32, 5))


def train_cnn(model, epochs=2):
    xs = (idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255 - MEAN) / STD
    ys = idx("train-labels-idx1-ubyte.gz").astype(np.int64)
    tx = torch.from_numpy(xs); ty = torch.from_numpy(ys)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    g = torch.Generator().manual_seed(0)
    model.train()
    for epoch in range(epochs):
        perm = torch.randperm(len(tx), generator=g)
        for i in range(0, len(tx), 64):
            b = perm[i:i + 64]
            opt.zero_grad(); loss = F.cross_entropy(model(tx[b]), ty[b]); loss.backward(); opt.step()
    model.eval()
    xt = torch.from_numpy((idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255 - MEAN) / STD)
    yt = idx("t10k-labels-idx1-ubyte.gz")
    with torch.no_grad():
        acc = (model(xt).argmax(1).numpy() == yt).mean()
    print(f"cnn: test accuracy after {epochs} epochs in PyTorch: {acc:.4f}")


def export(name, model, x, opset, dynamo=False):
    model.eval()
    path = os.path.join(OUT, name + ".onnx")
    if dynamo:
        torch.onnx.export(model, (x,), path, dynamo=True, opset_version=opset, input_names=["x"], output_names=["y"],
                          dynamic_shapes=[{0: torch.export.Dim("batch", min=1, max=1024)}], external_data=False)
    else:
        # PRESERVE and no constant folding keep BatchNormalization nodes (eval mode would fold them into Conv).
        torch.onnx.export(model, (x,), path, dynamo=False, opset_version=opset, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, training=torch.onnx.TrainingMode.PRESERVE,
                          do_constant_folding=False)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    y = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x.numpy()})[0]
    with torch.no_grad():
        assert np.allclose(y, model(x).numpy(), atol=1e-4), name
    write_safetensors(os.path.join(OUT, name + ".io.safetensors"), {"x": x.numpy(), "y": y})
    ops = sorted({n.op_type for n in m.graph.node})
    print(f"{name}: opset {opset}, {os.path.getsize(path)} bytes, ops {', '.join(ops)}")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    wanted = set(sys.argv[1:])
    def want(name): return not wanted or name in wanted
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    img = lambda n: torch.randn(n, 1, 28, 28, generator=g)
    if want("mlp"): export("mlp", MLP(), img(4), 13)
    if want("cnn"):
        cnn = CNN(); train_cnn(cnn)
        export("cnn", cnn, img(4), 17)
    if want("resnet"):
        resnet = ResNet()
        for m in resnet.modules():   # non-trivial BatchNorm statistics so the parity check sees them
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2); m.running_var.uniform_(0.5, 1.5); m.weight.data.uniform_(0.5, 1.5)
        export("resnet", resnet, img(4), 15)
    if want("mobilenet"): export("mobilenet", MobileNet(), img(4), 19, dynamo=True)
    if want("transformer"): export("transformer", Transformer(), torch.randn(3, 8, 32, generator=g), 18, dynamo=True)
    if want("torch_encoder"):
        torch.manual_seed(5)
        export("torch_encoder", torch_encoder(), torch.randn(3, 8, 32, generator=torch.Generator().manual_seed(5)), 17)
