#!/usr/bin/env python3
"""Writes small safetensors files with the real Python `safetensors` package (pip install safetensors numpy):

- Tests/ModelIOTests/Fixtures/python_f32.safetensors: F32 tensors with known values (arange), no metadata.
  Prune must read the same values and, re-encoding them, write the same bytes.
- Tests/ModelIOTests/Fixtures/python_dtypes.safetensors: F16, BF16-as-uint16 bits are not in numpy, so
  F16, F64, I64, I32, U8 and BOOL tensors with known values, which Prune converts to Float32.
"""
import os

import numpy as np
from safetensors.numpy import save_file

HERE = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ModelIOTests", "Fixtures")
os.makedirs(HERE, exist_ok=True)

f32 = {
    "fc1.weight": np.arange(12, dtype=np.float32).reshape(3, 4) / 8,
    "fc1.bias": np.array([-1.5, 0.25, 3.0], dtype=np.float32),
    "features.0.weight": (np.arange(2 * 1 * 3 * 3, dtype=np.float32).reshape(2, 1, 3, 3) - 9) / 4,
    "scalar": np.array(7.0, dtype=np.float32),
    "empty": np.zeros((0, 3), dtype=np.float32),
}
save_file(f32, os.path.join(HERE, "python_f32.safetensors"))

dtypes = {
    "half": np.array([1.0, -2.5, 0.000061035156, 65504.0], dtype=np.float16),
    "double": np.array([[1.25, -3.5]], dtype=np.float64),
    "long": np.array([5, -7, 1 << 20], dtype=np.int64),
    "int": np.array([3, -4], dtype=np.int32),
    "byte": np.array([0, 255], dtype=np.uint8),
    "flag": np.array([True, False, True]),
}
save_file(dtypes, os.path.join(HERE, "python_dtypes.safetensors"))
print("wrote", os.path.normpath(HERE))
