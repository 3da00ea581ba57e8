"""The onnxruntime peer of `prune bench onnx`: times one ONNX model on the inputs of a
safetensors file (one tensor per graph input, by name, cast to the type the session declares;
median of N runs after a warm-up, intra-op threads = the given core count) and prints one JSON
line. One model per process: two sessions in one process disturb each other's thread pools (the
second measured 10-35% slower even on the same file).

    python3 Benchmarks/onnx_ort.py model.onnx inputs.safetensors CORES REPEATS

With REPEATS `serve`, the process keeps its session and answers requests, so that Prune can run
its blocks of runs between the peer's: it prints {"ready": true, "version": ...} after the warm-up,
then for each line N on stdin one untimed run and N timed ones, printing {"times": [seconds, ...]}
50 ms after the last (its threads stop spinning before Prune's next block); it exits at the end of
stdin.
"""
import json, os, statistics, sys, time
import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts", "onnx"))
from safetensors_io import read_safetensors

TYPES = {"tensor(float)": np.float32, "tensor(int64)": np.int64, "tensor(int32)": np.int32,
         "tensor(bool)": np.bool_, "tensor(double)": np.float64, "tensor(float16)": np.float16}

model, inputs, cores, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
stored = read_safetensors(inputs)
options = ort.SessionOptions()
options.intra_op_num_threads = cores
options.inter_op_num_threads = 1
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
feeds = {i.name: stored[i.name].astype(TYPES[i.type]) for i in session.get_inputs()}


def timed_runs(count):
    times = []
    for _ in range(count):
        t = time.perf_counter(); session.run(None, feeds); times.append(time.perf_counter() - t)
    return times


for _ in range(3):
    session.run(None, feeds)
if repeats == "serve":
    print(json.dumps({"ready": True, "version": ort.__version__}), flush=True)
    for line in sys.stdin:
        session.run(None, feeds)
        times = timed_runs(int(line))
        time.sleep(0.05)  # the session's threads idle before Prune's next block starts
        print(json.dumps({"times": times}), flush=True)
else:
    times = timed_runs(int(repeats))
    print(json.dumps({"seconds": statistics.median(times), "version": ort.__version__}))
