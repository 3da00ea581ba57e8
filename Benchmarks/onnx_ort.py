"""The onnxruntime peer of `prune bench onnx`: times one ONNX model on the inputs `x` of a
safetensors file (best of N runs after a warm-up, intra-op threads = the given core count) and
prints one JSON line. One model per process: two sessions in one process disturb each other's
thread pools (the second measured 10-35% slower even on the same file).

    python3 Benchmarks/onnx_ort.py model.onnx inputs.safetensors CORES REPEATS
"""
import json, os, sys, time
import onnxruntime as ort

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts", "onnx"))
from safetensors_io import read_safetensors

model, inputs, cores, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
x = read_safetensors(inputs)["x"]
options = ort.SessionOptions()
options.intra_op_num_threads = cores
options.inter_op_num_threads = 1
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
name = session.get_inputs()[0].name
for _ in range(3):
    session.run(None, {name: x})
best = float("inf")
for _ in range(repeats):
    t = time.perf_counter(); session.run(None, {name: x}); best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best, "version": ort.__version__}))
