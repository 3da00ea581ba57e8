#!/usr/bin/env python3
"""Writes one BERT-style encoder attention block the way a TorchScript export at opset 14 (or Hugging Face's
SDPA path) writes it, for `prune bench onnx`: query/key/value projections with their biases, heads split by
Reshape/Transpose, the scale applied to queries and keys, an attention mask made with Equal/Where and added to
the scores, Softmax, then IsNaN/Where zeroing fully masked rows, the context, the output projection, the
residual addition and a decomposed LayerNorm (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add).
Sizes of all-MiniLM-L6-v2: hidden 384, 12 heads of 32. Inputs x [N, T, 384] (float) and mask [N, T] (int64).

Usage: attention_block.py OUT.onnx [--tokens T] [--seed S]   (needs onnx and numpy)
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HIDDEN, HEADS = 384, 12


def build(tokens, seed):
    head = HIDDEN // HEADS
    rng = np.random.RandomState(seed)
    inits, nodes = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op, inputs, output, **attrs):
        nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    for p in "qkvo":
        const("W" + p, (rng.randn(HIDDEN, HIDDEN) * 0.05).astype(np.float32))
        const("b" + p, (rng.randn(HIDDEN) * 0.02).astype(np.float32))
    const("heads_shape", np.array([0, tokens, HEADS, head], np.int64))
    const("hidden_shape", np.array([0, tokens, HIDDEN], np.int64))
    const("scale", np.array(1 / np.sqrt(np.sqrt(head)), np.float32))
    const("zero", np.array(0, np.float32))
    const("zero_int", np.array(0, np.int64))
    const("lowest", np.array(np.finfo(np.float32).min, np.float32))
    const("axis1", np.array([1], np.int64))
    const("axis2", np.array([2], np.int64))
    const("two", np.array(2, np.float32))
    const("eps", np.array(1e-12, np.float32))
    const("gamma", (1 + rng.randn(HIDDEN) * 0.1).astype(np.float32))
    const("beta", (rng.randn(HIDDEN) * 0.1).astype(np.float32))

    def projection(p, perm):
        mm = node("MatMul", ["x", "W" + p], p + "_matmul")
        added = node("Add", ["b" + p, mm], p + "_bias")
        split = node("Reshape", [added, "heads_shape"], p + "_heads")
        turned = node("Transpose", [split], p + "_turned", perm=perm)
        return node("Mul", [turned, "scale"], p + "_scaled") if p in "qk" else turned

    q = projection("q", [0, 2, 1, 3])
    k = projection("k", [0, 2, 3, 1])
    v = projection("v", [0, 2, 1, 3])
    wide = node("Unsqueeze", [node("Unsqueeze", ["mask", "axis1"], "mask1"), "axis2"], "mask2")
    masked_out = node("Equal", [wide, "zero_int"], "masked_out")
    bias = node("Where", [masked_out, "lowest", "zero"], "mask_bias")
    scores = node("Add", [node("MatMul", [q, k], "scores"), bias], "masked_scores")
    probs = node("Softmax", [scores], "probs", axis=-1)
    probs = node("Where", [node("IsNaN", [probs], "nan_rows"), "zero", probs], "probs_clean")
    context = node("Transpose", [node("MatMul", [probs, v], "context")], "context_turned", perm=[0, 2, 1, 3])
    merged = node("Reshape", [context, "hidden_shape"], "context_merged")
    out = node("Add", ["bo", node("MatMul", [merged, "Wo"], "o_matmul")], "o_bias")
    res = node("Add", [out, "x"], "residual")
    mean = node("ReduceMean", [res], "ln_mean", axes=[-1])
    d = node("Sub", [res, mean], "ln_centered")
    var = node("ReduceMean", [node("Pow", [d, "two"], "ln_squares")], "ln_var", axes=[-1])
    std = node("Sqrt", [node("Add", [var, "eps"], "ln_var_eps")], "ln_std")
    normed = node("Mul", [node("Div", [d, std], "ln_normed"), "gamma"], "ln_scaled")
    node("Add", [normed, "beta"], "y")
    graph = helper.make_graph(
        nodes, "attention_block",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", tokens, HIDDEN]),
         helper.make_tensor_value_info("mask", TensorProto.INT64, ["N", tokens])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", tokens, HIDDEN])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    onnx.save(build(args.tokens, args.seed), args.out)


if __name__ == "__main__":
    main()
