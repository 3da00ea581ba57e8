#!/usr/bin/env python3
"""Writes Tests/ModelIOTests/Fixtures/gguf-quants.gguf, the fixture the GGUF reader is checked on.

For each ggml type Prune reads, random blocks (scales kept finite) are stored as a tensor of that
type, and beside it `expected.<type>`, the same values dequantized by the `gguf` package's own
numpy code (gguf.quants.dequantize), as F32. The metadata holds one value of every GGUF value type.
Run: python3 scripts/make-gguf-fixtures.py  (needs numpy and gguf from PyPI)."""
import sys
import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q, GGUFValueType as V
from gguf.quants import dequantize, GGML_QUANT_SIZES

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/ModelIOTests/Fixtures/gguf-quants.gguf"
rng = np.random.default_rng(20261130)

def half_bytes(values):
    return np.asarray(values, dtype=np.float16).view(np.uint8).reshape(-1, 2)

def random_blocks(qtype, blocks):
    """Random block bytes whose F16 scales are sane (the rest of a block is any bits)."""
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(blocks, type_size), dtype=np.uint8)
    scales = {Q.Q4_0: [0], Q.Q5_0: [0], Q.Q8_0: [0], Q.Q4_1: [0, 2], Q.Q5_1: [0, 2],
              Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208]}.get(qtype, [])
    for at in scales:
        raw[:, at:at + 2] = half_bytes(rng.normal(0, 0.05, size=blocks))
    return raw, block_size

writer = gguf.GGUFWriter(out, "llama")
writer.add_key_value("test.u8", 200, V.UINT8)
writer.add_key_value("test.i8", -100, V.INT8)
writer.add_key_value("test.u16", 60000, V.UINT16)
writer.add_key_value("test.i16", -30000, V.INT16)
writer.add_key_value("test.u32", 4000000000, V.UINT32)
writer.add_key_value("test.i32", -2000000000, V.INT32)
writer.add_key_value("test.f32", 0.15625, V.FLOAT32)
writer.add_key_value("test.bool", True, V.BOOL)
writer.add_key_value("test.string", "Grüße, ggml ✓", V.STRING)
writer.add_key_value("test.u64", 2**40 + 3, V.UINT64)
writer.add_key_value("test.i64", -(2**40) - 3, V.INT64)
writer.add_key_value("test.f64", -2.5e-300, V.FLOAT64)
writer.add_key_value("test.strings", ["a", "", "ü"], V.ARRAY, V.STRING)
writer.add_key_value("test.ints", [1, -2, 3], V.ARRAY, V.INT32)

for qtype in [Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q4_K, Q.Q5_K, Q.Q6_K]:
    raw, block_size = random_blocks(qtype, 6)
    rows = 3
    raw = raw.reshape(rows, -1)
    values = dequantize(raw, qtype).astype(np.float32)
    writer.add_tensor(qtype.name, raw, raw_dtype=qtype)
    writer.add_tensor("expected." + qtype.name, values)
plain = rng.normal(0, 1, size=(4, 8)).astype(np.float32)
writer.add_tensor("F32", plain)
writer.add_tensor("F16", plain.astype(np.float16))
writer.add_tensor("expected.F16", plain.astype(np.float16).astype(np.float32))
bf16 = (plain.view(np.uint32) >> 16).astype(np.uint16)
writer.add_tensor("BF16", bf16.view(np.uint8).reshape(4, 16), raw_dtype=Q.BF16)
writer.add_tensor("expected.BF16", dequantize(bf16.view(np.uint8).reshape(4, 16), Q.BF16).astype(np.float32))
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()
print("wrote", out)
