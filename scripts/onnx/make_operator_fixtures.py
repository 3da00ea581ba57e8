"""Makes one small ONNX model per operator case (onnx.helper) and records onnxruntime's output on a
seeded input: Tests/ONNXTests/Fixtures/ops/CASE.onnx and CASE.io.safetensors (x, y).
Covers every operator Prune imports, in the opset forms that differ (13 vs 18 for Split,
ReduceMean; 17 LayerNormalization; 20 Gelu).

    python3 scripts/onnx/make_operator_fixtures.py     # needs onnx, onnxruntime, numpy
"""
import os, sys
import numpy as np
import onnx
from onnx import TensorProto, helper as h, numpy_helper as nh
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import write_safetensors

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ONNXTests", "Fixtures", "ops")
rng = np.random.default_rng(0)


def f(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def case(name, x, nodes, inits=(), opset=13, out_shape=None):
    graph = h.make_graph(nodes, name, [h.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                         [h.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                         [nh.from_array(v, k) for k, v in inits])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], producer_name="prune-op-fixtures")
    model.ir_version = 8
    # (onnxruntime validates the model when it loads it below.)
    path = os.path.join(OUT, name + ".onnx")
    onnx.save(model, path)
    y = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    write_safetensors(os.path.join(OUT, name + ".io.safetensors"), {"x": x, "y": y.astype(np.float32)})


def i64(*v):
    return np.array(v, dtype=np.int64)


def n(op, inputs, outputs=("y",), **attrs):
    return h.make_node(op, list(inputs), list(outputs), **attrs)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    x4 = f(2, 4, 6, 6)
    case("unary_chain", f(3, 5), [n("Sigmoid", ["x"], ["a"]), n("Tanh", ["a"], ["b"]), n("Erf", ["b"], ["c"]),
                                  n("Abs", ["c"], ["d"]), n("Sqrt", ["d"], ["e"]), n("LeakyRelu", ["e"], ["g"], alpha=0.2),
                                  n("Neg", ["g"], ["k"]), n("Exp", ["k"], ["l"]), n("Log", ["l"], ["m"]), n("Relu", ["m"], ["y"])])
    case("gelu_20", f(3, 7), [n("Gelu", ["x"])], opset=20)
    case("gelu_tanh_20", f(3, 7), [n("Gelu", ["x"], approximate="tanh")], opset=20)
    case("binary_broadcast", f(2, 3, 4), [n("Add", ["x", "b"], ["a"]), n("Sub", ["a", "c"], ["s"]), n("Mul", ["s", "d"], ["m"]),
                                         n("Div", ["m", "e"], ["q"]), n("Pow", ["q", "p"], ["y"])],
         [("b", f(4)), ("c", f(3, 1)), ("d", f(1, 3, 4)), ("e", np.abs(f(4)) + 1), ("p", np.array(2, np.float32))])
    case("pow_sqrt", np.abs(f(4, 4)) + 0.1, [n("Pow", ["x", "p"], ["a"]), n("Sqrt", ["a"], ["y"])], [("p", np.array([3.0], np.float32))])
    case("softmax_axis1", f(2, 5, 3), [n("Softmax", ["x"], axis=1)])
    case("reducemean_13", f(2, 3, 4), [n("ReduceMean", ["x"], axes=[1, 2], keepdims=0)])
    case("reducemean_18", f(2, 3, 4), [n("ReduceMean", ["x", "axes"], keepdims=1)], [("axes", i64(-1))], opset=18)
    case("transpose_reshape", f(2, 3, 4), [n("Transpose", ["x"], ["t"], perm=[2, 0, 1]), n("Reshape", ["t", "s"], ["y"])], [("s", i64(0, -1))])
    case("flatten_axis2", f(2, 3, 4, 5), [n("Flatten", ["x"], axis=2)])
    case("squeeze_unsqueeze", f(2, 1, 4), [n("Squeeze", ["x", "a"], ["s"]), n("Unsqueeze", ["s", "b"], ["y"])],
         [("a", i64(1)), ("b", i64(0, 3))])
    case("concat_split_13", f(2, 6), [n("Split", ["x", "sizes"], ["a", "b"], axis=1), n("Concat", ["b", "a", "b"], ["y"], axis=1)],
         [("sizes", i64(2, 4))])
    case("split_18", f(2, 6), [n("Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=3), n("Sub", ["c", "a"], ["d"]), n("Concat", ["d", "b"], ["y"], axis=0)], opset=18)
    case("slice_steps", f(4, 10), [n("Slice", ["x", "st", "en", "ax", "sp"], ["a"]), n("Slice", ["a", "st2", "en2"], ["y"])],
         [("st", i64(1, -1)), ("en", i64(1000, -11)), ("ax", i64(0, 1)), ("sp", i64(1, -2)), ("st2", i64(0, 1)), ("en2", i64(2, 4))])
    case("gather_rows", f(5, 3), [n("Gather", ["x", "i"], axis=0)], [("i", i64(4, 0, -1, 2).reshape(2, 2))])
    case("gather_axis1_scalar", f(2, 5, 3), [n("Gather", ["x", "i"], axis=1)], [("i", np.array(3, dtype=np.int64))])
    case("shape_arithmetic", f(2, 3, 4), [n("Shape", ["x"], ["s"]), n("Gather", ["s", "zero"], ["b"], axis=0), n("Unsqueeze", ["b", "ax"], ["bu"]),
                                          n("Shape", ["x"], ["tail"], start=1), n("Slice", ["tail", "z1", "o1"], ["t0"]),
                                          n("Mul", ["t0", "two"], ["t1"]), n("Div", ["t1", "two"], ["t2"]),
                                          n("Constant", [], ["m1"], value=nh.from_array(i64(-1), "m1")),
                                          n("Concat", ["bu", "m1"], ["shape"], axis=0), n("Reshape", ["x", "shape"], ["r"]),
                                          n("Concat", ["bu", "t2", "m1"], ["shape2"], axis=0), n("Reshape", ["r", "shape2"], ["y"])],
         [("zero", np.array(0, dtype=np.int64)), ("ax", i64(0)), ("z1", i64(0)), ("o1", i64(1)), ("two", i64(2))], opset=15)
    case("constant_identity_dropout", f(3, 4), [n("Constant", [], ["c"], value_floats=[1.0, 2.0, 3.0, 4.0]), n("Identity", ["x"], ["i"]),
                                                n("Dropout", ["i"], ["d"]), n("Mul", ["d", "c"], ["y"])])
    case("conv_groups_dilation", x4, [n("Conv", ["x", "w", "b"], kernel_shape=[3, 3], pads=[2, 2, 2, 2], dilations=[2, 2], group=2, strides=[1, 2])],
         [("w", f(6, 2, 3, 3)), ("b", f(6))])
    case("conv_same_depthwise", x4, [n("Conv", ["x", "w"], auto_pad="SAME_UPPER", group=4)], [("w", f(4, 1, 3, 3))])
    case("pools", x4, [n("MaxPool", ["x"], ["m"], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1]),
                       n("AveragePool", ["m"], ["a"], kernel_shape=[2, 2], strides=[2, 2]),
                       n("AveragePool", ["a"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1),
                       n("GlobalAveragePool", ["c"], ["y"])])
    case("batchnorm_2d", f(5, 3), [n("BatchNormalization", ["x", "s", "b", "m", "v"], epsilon=1e-3)],
         [("s", f(3)), ("b", f(3)), ("m", f(3)), ("v", np.abs(f(3)) + 0.5)])
    case("layernorm_17", f(2, 3, 8), [n("LayerNormalization", ["x", "s", "b"], axis=-1, epsilon=1e-5)], [("s", f(8)), ("b", f(8))], opset=17)
    case("gemm_transposed_scaled", f(4, 5), [n("Gemm", ["x", "w", "c"], alpha=0.5, beta=2.0, transB=0)], [("w", f(5, 3)), ("c", f(1, 3))])
    case("matmul_activations", f(2, 3, 4), [n("Transpose", ["x"], ["t"], perm=[0, 2, 1]), n("MatMul", ["x", "t"], ["g"]),
                                            n("MatMul", ["g", "w"], ["y"])], [("w", f(3, 6))])
    case("matmul_bias_3d", f(2, 3, 4), [n("MatMul", ["x", "w"], ["m"]), n("Add", ["b", "m"], ["y"])], [("w", f(4, 6)), ("b", f(6))])
    case("clip_relu6", f(3, 6) * 4, [n("Clip", ["x", "lo", "hi"], ["c"]), n("Clip", ["c", "", "hi2"])],
         [("lo", np.array(0, np.float32)), ("hi", np.array(6, np.float32)), ("hi2", np.array(5, np.float32))])
    case("cast_mod_shapes", f(2, 6, 4), [n("Shape", ["x"], ["s"]), n("Gather", ["s", "one"], ["d"], axis=0), n("Cast", ["d"], ["df"], to=TensorProto.FLOAT),
                                         n("Sqrt", ["df"], ["r"]), n("Cast", ["r"], ["ri"], to=TensorProto.INT64), n("Mod", ["d", "three"], ["m"]),
                                         n("Add", ["ri", "m"], ["k"]), n("Unsqueeze", ["k", "ax"], ["ku"]), n("Concat", ["ku", "m1"], ["shape"], axis=0),
                                         n("Reshape", ["x", "shape"], ["y"])],
         [("one", np.array(1, np.int64)), ("three", np.array(-4, np.int64)), ("ax", i64(0)), ("m1", i64(-1))])
    case("opset_21", f(2, 4), [n("Relu", ["x"], ["r"]), n("Softmax", ["r"])], opset=21)
    # ConvTranspose with groups, strides, dilations, asymmetric pads and output padding (the node tests
    # have one group only); Resize's half_pixel_symmetric (opset 19) at non-integer output extents.
    case("conv_transpose_groups", f(2, 4, 3, 5), [n("ConvTranspose", ["x", "w", "b"], group=2, strides=[2, 3],
                                                    dilations=[2, 1], pads=[1, 0, 0, 2], output_padding=[1, 2])],
         [("w", f(4, 3, 3, 2)), ("b", f(6))], opset=17)
    case("resize_half_pixel_symmetric_19", f(1, 2, 5, 7), [n("Resize", ["x", "", "scales"], mode="linear",
                                                              coordinate_transformation_mode="half_pixel_symmetric")],
         [("scales", np.array([1, 1, 1.7, 0.6], np.float32))], opset=19)
    print("wrote", len([p for p in os.listdir(OUT) if p.endswith(".onnx")]), "operator fixtures to", os.path.normpath(OUT))
