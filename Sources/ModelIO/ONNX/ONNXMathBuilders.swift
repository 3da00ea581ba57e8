import ONNXProto
import PruneNN
import PruneTensor

/// Builders for elementwise math, activation, comparison and logic operators, the variadic
/// Max/Min/Sum/Mean, the reductions and the softmax family (opset 6 to 21 forms).
enum ONNXMathBuilders {
    typealias Builder = ONNXPlainBuilders.Builder
    static let simple = ONNXPlainBuilders.simple

    static var all: [String: Builder] {
        var table: [String: Builder] = [:]
        for (name, f) in MathFunction.catalog { table[name] = simple { _ in MathFunctionOperator(f) } }
        for (name, op) in LogicOperator.catalog { table[name] = simple { c in ONNXPlainBuilders.legacy(c, op) } }
        for (name, kind) in [("Max", VariadicOperator.Kind.max), ("Min", .min), ("Sum", .sum), ("Mean", .mean)] {
            table[name] = simple { _ in VariadicOperator(kind) }
        }
        let reductions: [(String, ReduceOperator.Kind)] = [
            ("ReduceMean", .mean), ("ReduceSum", .sum), ("ReduceMax", .max), ("ReduceMin", .min), ("ReduceProd", .prod),
            ("ReduceL1", .l1), ("ReduceL2", .l2), ("ReduceSumSquare", .sumSquare), ("ReduceLogSum", .logSum),
            ("ReduceLogSumExp", .logSumExp),
        ]
        for (name, kind) in reductions { table[name] = simple { c in try reduce(c, kind) } }
        for (name, kind) in [("Softmax", SoftmaxOperator.Kind.softmax), ("LogSoftmax", .logSoftmax),
                             ("Hardmax", .hardmax)] {
            table[name] = simple { c in
                SoftmaxOperator(kind, axis: c.int("axis", c.opset < 13 ? 1 : -1), flattensFromAxis: c.opset < 13)
            }
        }
        return table.merging(parameterized) { a, _ in a }
    }

    /// Operators whose function takes attributes.
    static let parameterized: [String: Builder] = [
        "Elu": simple { c in MathFunctionOperator(.elu(alpha: c.float("alpha", 1))) },
        "Selu": simple { c in
            MathFunctionOperator(.elu(alpha: c.float("alpha", 1.67326319217681884765625),
                                      gamma: c.float("gamma", 1.05070102214813232421875), name: "Selu"))
        },
        "Celu": simple { c in MathFunctionOperator(.celu(alpha: c.float("alpha", 1))) },
        "HardSigmoid": simple { c in MathFunctionOperator(.hardSigmoid(alpha: c.float("alpha", 0.2),
                                                                       beta: c.float("beta", 0.5))) },
        "ThresholdedRelu": simple { c in MathFunctionOperator(.thresholdedRelu(alpha: c.float("alpha", 1))) },
        "Shrink": simple { c in MathFunctionOperator(.shrink(lambda: c.float("lambd", 0.5), bias: c.float("bias",
                0))) },
        "IsInf": simple { c in
            LogicOperator.isInf(positive: c.int("detect_positive", 1) == 1, negative: c.int("detect_negative", 1) == 1)
        },
        "Where": simple { _ in WhereOperator() },
        "PRelu": simple { c in PReluOperator(slopePerChannel: c.opset < 7) },
    ]

    /// A reduction; the axes are an attribute before opset 18 (before 13 for ReduceSum).
    static func reduce(_ c: ONNXNodeContext, _ kind: ReduceOperator.Kind) throws -> ReduceOperator {
        let axesAreInput = kind == .sum ? c.opset >= 13 : c.opset >= 18
        return ReduceOperator(kind, axesAttribute: axesAreInput ? nil : c.ints("axes"),
                              keepDims: c.int("keepdims", 1) == 1,
                              noopWithEmptyAxes: axesAreInput && c.int("noop_with_empty_axes", 0) == 1)
    }
}
