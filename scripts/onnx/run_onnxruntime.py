"""Runs an ONNX model in onnxruntime on the tensors of a safetensors file and writes the first
output as `y` (the peer check of Prune's ONNX export; tests call it). Each graph input takes the
tensor of its own name, the first one `x` when there is none (integer inputs are cast to int64).

    python3 scripts/onnx/run_onnxruntime.py model.onnx inputs.safetensors outputs.safetensors
"""
import os, sys
import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import read_safetensors, write_safetensors

model, inputs, outputs = sys.argv[1:4]
session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
tensors = read_safetensors(inputs)
feeds = {}
for k, feed in enumerate(session.get_inputs()):
    x = tensors.get(feed.name, tensors.get("x") if k == 0 else None)
    if x is None:
        sys.exit(f"no tensor for the graph input '{feed.name}'")
    feeds[feed.name] = x.astype(np.int64) if "int" in feed.type else x
y = session.run(None, feeds)[0]
write_safetensors(outputs, {"y": y.astype(np.float32)})
params = 0
import onnx
m = onnx.load(model)
params = sum(int(np.prod(t.dims)) for t in m.graph.initializer if t.data_type == 1)
print(f"onnxruntime {ort.__version__}: {os.path.basename(model)} ran, output {list(y.shape)}, {params} float parameters")
