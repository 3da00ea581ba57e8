"""Runs an ONNX model in onnxruntime on the tensor `x` of a safetensors file and writes the first
output as `y` (the peer check of Prune's ONNX export; tests call it).

    python3 scripts/onnx/run_onnxruntime.py model.onnx inputs.safetensors outputs.safetensors
"""
import os, sys
import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import read_safetensors, write_safetensors

model, inputs, outputs = sys.argv[1:4]
session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
x = read_safetensors(inputs)["x"]
feed = session.get_inputs()[0]
if "int" in feed.type:
    x = x.astype(np.int64)
y = session.run(None, {feed.name: x})[0]
write_safetensors(outputs, {"y": y.astype(np.float32)})
params = 0
import onnx
m = onnx.load(model)
params = sum(int(np.prod(t.dims)) for t in m.graph.initializer if t.data_type == 1)
print(f"onnxruntime {ort.__version__}: {os.path.basename(model)} ran, output {list(y.shape)}, {params} float parameters")
