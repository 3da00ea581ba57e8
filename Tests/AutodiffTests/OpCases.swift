import PruneTensor
import PruneAutodiff
import PruneNN

/// The op cases shared by the PyTorch parity test and the finite-difference test. Names match
/// `scripts/parity/make_op_fixtures.py`; each maps its inputs to the op's output.
enum OpCases {
    typealias Op = @Sendable ([Variable]) throws -> Variable

    static func ints(_ v: Variable) -> [Int] { v.value.scalars.map { Int($0) } }
    static func geometry(_ k: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) -> Conv2dGeometry {
        Conv2dGeometry(kernel: (k, k), stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation), groups: groups)
    }
    static func batchNorm(_ x: Variable, _ w: Variable, _ b: Variable) throws -> Variable {
        let stat = x.value.rank == 4 ? [1, x.shape[1], 1, 1] : [1, x.shape[1]]
        return try Variable.batchNorm(x, weight: w.reshaped(stat), bias: b.reshaped(stat), epsilon: 1e-5).output
    }

    static let all: [String: Op] = [
        "add_broadcast": { try $0[0] + $0[1] },
        "sub_broadcast": { try $0[0] - $0[1] },
        "mul_broadcast": { try $0[0] * $0[1] },
        "div": { try $0[0] / $0[1] },
        "neg_scale_shift": { -($0[0] * 2.5 + 1.0) / 3.0 },
        "exp": { $0[0].exp() },
        "log": { $0[0].log() },
        "sqrt": { $0[0].sqrt() },
        "abs": { $0[0].abs() },
        "relu": { $0[0].relu() },
        "leaky_relu": { $0[0].leakyRelu(0.1) },
        "gelu": { $0[0].gelu() },
        "tanh": { $0[0].tanh() },
        "sigmoid": { $0[0].sigmoid() },
        "erf": { $0[0].erf() },
        "pow3": { $0[0].pow(3) },
        "square": { $0[0].square() },
        "maximum": { try Variable.maximum($0[0], $0[1]) },
        "sum_axis": { try $0[0].sum(axes: [1]) },
        "sum_all": { try $0[0].sum() },
        "mean_axes_keep": { try $0[0].mean(axes: [0, 2], keepDims: true) },
        "max_axis": { try $0[0].max(axis: 1) },
        "min_axis": { try $0[0].min(axis: 2) },
        "variance_axis": { try $0[0].variance(axes: [1]) },
        "l1_norm": { try $0[0].l1Norm(axes: [1]) },
        "l2_norm": { try $0[0].l2Norm(axes: [1]) },
        "matmul_2d": { try Variable.matmul($0[0], $0[1]) },
        "matmul_batched": { try Variable.matmul($0[0], $0[1]) },
        "matmul_shared": { try Variable.matmul($0[0], $0[1]) },
        "linear": { try Variable.linear($0[0], weight: $0[1], bias: $0[2]) },
        "linear_3d": { try Variable.linear($0[0], weight: $0[1], bias: $0[2]) },
        "permute": { try $0[0].permuted([2, 0, 1]) },
        "transpose": { try $0[0].transposed() },
        "reshape": { try $0[0].reshaped([6, 4]) },
        "slice": { try $0[0].slice(axis: 1, start: 1, end: 4) },
        "concat": { try Variable.concat([$0[0], $0[1]], axis: 1) },
        "gather_rows": { try $0[0].gather(axis: 0, indices: [4, 0, 0, 2]) },
        "where": { try Variable.select($0[0].value.map { $0 > 0 ? 1 : 0 }, $0[1], $0[2]) },
        "embedding": { try Variable.embedding($0[0], indices: ints($0[1]), indexShape: $0[1].shape) },
        "conv2d": { try Variable.conv2d($0[0], weight: $0[1], bias: $0[2], geometry: geometry(3, padding: 1)) },
        "conv2d_stride_dilation": { try Variable.conv2d($0[0], weight: $0[1], bias: $0[2], geometry: geometry(3, stride: 2, padding: 2, dilation: 2)) },
        "conv2d_groups": { try Variable.conv2d($0[0], weight: $0[1], bias: $0[2], geometry: geometry(3, padding: 1, groups: 2)) },
        "conv2d_depthwise": { try Variable.conv2d($0[0], weight: $0[1], bias: $0[2], geometry: geometry(3, stride: 2, padding: 1, groups: 3)) },
        "conv2d_rect_nobias": { try Variable.conv2d($0[0], weight: $0[1], bias: nil, geometry: geometry(1)) },
        "max_pool": { try Variable.maxPool2d($0[0], geometry: geometry(2, stride: 2)) },
        "max_pool_pad": { try Variable.maxPool2d($0[0], geometry: geometry(3, stride: 2, padding: 1)) },
        "avg_pool": { try Variable.avgPool2d($0[0], geometry: geometry(2, stride: 2)) },
        "avg_pool_pad": { try Variable.avgPool2d($0[0], geometry: geometry(3, stride: 2, padding: 1)) },
        "global_avg_pool": { try Variable.globalAvgPool2d($0[0]) },
        "softmax_last": { try $0[0].softmax(axis: -1) },
        "softmax_first": { try $0[0].softmax(axis: 0) },
        "log_softmax": { try $0[0].logSoftmax(axis: 1) },
        "layer_norm": { try layerNorm($0[0], $0[1], $0[2]) },
        "batch_norm_train_2d": { try batchNorm($0[0], $0[1], $0[2]) },
        "batch_norm_train_1d": { try batchNorm($0[0], $0[1], $0[2]) },
        "cross_entropy": { try Variable.softmaxCrossEntropy(logits: $0[0], labels: ints($0[1])) },
        "cross_entropy_smoothing": { try Variable.softmaxCrossEntropy(logits: $0[0], labels: ints($0[1]), labelSmoothing: 0.1) },
        "mse": { try ($0[0] - $0[1]).square().mean() },
        "distillation_t2": { v in
            let logPs = try (v[0] / 2).logSoftmax(axis: 1)
            let logPt = try (v[1].value / 2).logSoftmax(axis: 1)
            return try (Variable(logPt.exp()) * (Variable(logPt) - logPs)).sum(axes: [1]).mean() * 4
        },
    ]

    static func layerNorm(_ x: Variable, _ w: Variable, _ b: Variable) throws -> Variable {
        try Variable.layerNorm(x, weight: w, bias: b, epsilon: 1e-5)
    }
}
