"""The onnxruntime peer of `prune bench onnx`: times one ONNX model on the inputs of a
safetensors file (one tensor per graph input, by name, cast to the type the session declares;
median of N runs after a warm-up, intra-op threads = the given core count) and prints one JSON
line. One model per process: two sessions in one process disturb each other's thread pools (the
second measured 10-35% slower even on the same file).

    python3 Benchmarks/onnx_ort.py model.onnx inputs.safetensors CORES REPEATS
"""
import json, os, statistics, sys, time
import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts", "onnx"))
from safetensors_io import read_safetensors

TYPES = {"tensor(float)": np.float32, "tensor(int64)": np.int64, "tensor(int32)": np.int32,
         "tensor(bool)": np.bool_, "tensor(double)": np.float64, "tensor(float16)": np.float16}

model, inputs, cores, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
stored = read_safetensors(inputs)
options = ort.SessionOptions()
options.intra_op_num_threads = cores
options.inter_op_num_threads = 1
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
feeds = {i.name: stored[i.name].astype(TYPES[i.type]) for i in session.get_inputs()}
for _ in range(3):
    session.run(None, feeds)
times = []
for _ in range(repeats):
    t = time.perf_counter(); session.run(None, feeds); times.append(time.perf_counter() - t)
print(json.dumps({"seconds": statistics.median(times), "version": ort.__version__}))
