"""One-layer ONNX models (Conv + Relu with random weights, seed 0; or one pooling node; a free batch dimension) for
timing single layers with `prune bench onnx --models DIR/NAME.onnx --batch 1` against onnxruntime: the first
layers and small layers that stop 46's direct convolution was measured on, stop 47's first layers at a stride
and 3×3 stride-2 poolings, stop 48's small-plane poolings (README, "Stop 46" to "Stop 48").

    python3 scripts/onnx/one_layer_models.py OUT_DIR
"""
import os, sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

# name: (input channels, filters, input size, kernel, stride, padding)
LAYERS = {
    "first7x7_16": (3, 16, 224, 7, 2, 3), "first7x7_32": (3, 32, 224, 7, 2, 3),
    "first7x7_64": (3, 64, 224, 7, 2, 3), "first7x7_96": (3, 96, 224, 7, 2, 3),
    "alexnet11x11": (3, 96, 224, 11, 4, 2), "vgg3x3": (3, 64, 224, 3, 1, 1), "shufflenet3x3": (3, 24, 224, 3, 2, 1),
    "small3x3_16": (16, 16, 28, 3, 1, 1), "small5x5_32": (32, 32, 28, 5, 1, 2), "mid3x3_48": (48, 48, 28, 3, 1, 1),
    "mid3x3_128": (96, 128, 14, 3, 1, 1), "mid3x3_160": (96, 160, 7, 3, 1, 1), "pointwise_32": (128, 32, 28, 1, 1, 0),
    "squeezenet3x3_32": (3, 32, 224, 3, 2, 0), "squeezenet1x1_1000": (256, 1000, 13, 1, 1, 0),
    "squeezenet3x3_32_128": (32, 128, 27, 3, 1, 1), "squeezenet3x3_16_64": (16, 64, 55, 3, 1, 1),
}


def model(name, nodes, c, size, initializers=()):
    """The graph `name` of `nodes` from input x ([batch, c, size, size]) to output y, as an opset-13 model."""
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                             ["batch", c, size, size])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], list(initializers))
    result = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    result.ir_version = 8
    return result


def layer(c, o, size, k, s, p):
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array((rng.standard_normal((o, c, k, k)) * 0.05).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal(o).astype(np.float32), "b")
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["y0"], kernel_shape=[k, k], strides=[s, s], pads=[p] * 4),
             helper.make_node("Relu", ["y0"], ["y"])]
    return model("layer", nodes, c, size, [w, b])


# name: (operator, channels, input size, kernel, stride, padding: one for every side, or [top, left, bottom,
# right]): SqueezeNet's and ResNet-50's max poolings, ShuffleNet's first average pooling (stop 47); the small-plane
# poolings of Inception v1 / v2 (stop 48; the stride-2 ones padded at the bottom and right only, as Inception v2's).
POOLS = {
    "maxpool3x3s2_111": ("MaxPool", 64, 111, 3, 2, 0), "maxpool3x3s2p1_112": ("MaxPool", 64, 112, 3, 2, 1),
    "avgpool3x3s2p1_56": ("AveragePool", 24, 56, 3, 2, 1),
    "maxpool3x3s1p1_7": ("MaxPool", 512, 7, 3, 1, 1), "maxpool3x3s1p1_14": ("MaxPool", 480, 14, 3, 1, 1),
    "maxpool3x3s1p1_28": ("MaxPool", 256, 28, 3, 1, 1), "maxpool3x3s2_28": ("MaxPool", 160, 28, 3, 2, [0, 0, 1, 1]),
    "maxpool3x3s2_56": ("MaxPool", 96, 56, 3, 2, [0, 0, 1, 1]),
    "avgpool3x3s1p1_7": ("AveragePool", 512, 7, 3, 1, 1), "avgpool3x3s1p1_14": ("AveragePool", 288, 14, 3, 1, 1),
    "avgpool3x3s2p1_14": ("AveragePool", 232, 14, 3, 2, 1),
}


def pool(op, c, size, k, s, p):
    pads = p if isinstance(p, list) else [p] * 4
    node = helper.make_node(op, ["x"], ["y"], kernel_shape=[k, k], strides=[s, s], pads=pads)
    return model("pool", [node], c, size)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "one_layer_models"
    os.makedirs(out, exist_ok=True)
    for name, shape in LAYERS.items():
        onnx.save(layer(*shape), os.path.join(out, name + ".onnx"))
    for name, shape in POOLS.items():
        onnx.save(pool(*shape), os.path.join(out, name + ".onnx"))
    print("wrote", len(LAYERS) + len(POOLS), "models to", out)
