import ONNXProto
import PruneNN
import PruneTensor

/// Builders for operators that make, rearrange, pick or scatter tensors, and the normalizations
/// whose parameters are inputs (LRN, InstanceNormalization, GroupNormalization, MeanVarianceNormalization).
enum ONNXTensorBuilders {
    typealias Builder = ONNXPlainBuilders.Builder
    static let simple = ONNXPlainBuilders.simple

    static let all: [String: Builder] = [
        "ConstantOfShape": simple { c in try constantOfShape(c) },
        "Range": simple { _ in RangeOperator() },
        "Size": simple { _ in SizeOperator() },
        "NonZero": simple { _ in NonZeroOperator() },
        "ArgMax": simple { c in argExtreme(c, largest: true) },
        "ArgMin": simple { c in argExtreme(c, largest: false) },
        "TopK": simple { c in
            guard c.int("sorted", 1) == 1 else { throw c.unsupported("sorted = 0") }
            return TopKOperator(axis: c.int("axis", -1), largest: c.int("largest", 1) == 1,
                                kAttribute: c.opset < 10 ? c.int("k", -1) : nil)
        },
        "CumSum": simple { c in CumSumOperator(exclusive: c.int("exclusive", 0) == 1, reverse: c.int("reverse",
                0) == 1) },
        "Expand": simple { _ in ExpandOperator() },
        "Tile": simple { _ in TileOperator() },
        "Pad": simple { c in try pad(c) },
        "Trilu": simple { c in TriluOperator(upper: c.int("upper", 1) == 1) },
        "GatherElements": simple { c in GatherElementsOperator(axis: c.int("axis", 0)) },
        "GatherND": simple { c in GatherNDOperator(batchDims: c.int("batch_dims", 0)) },
        "ScatterND": simple { c in ScatterNDOperator(reduction: try reduction(c)) },
        "ScatterElements": simple { c in ScatterElementsOperator(axis: c.int("axis", 0), reduction: try reduction(c)) },
        "Scatter": simple { c in ScatterElementsOperator(axis: c.int("axis", 0), reduction: .none) },
        "DepthToSpace": simple { c in
            BlockRearrangeOperator(c.string("mode") == "CRD" ? .depthToSpaceCRD : .depthToSpaceDCR,
                                   blockSize: c.int("blocksize", 0))
        },
        "SpaceToDepth": simple { c in BlockRearrangeOperator(.spaceToDepth, blockSize: c.int("blocksize", 0)) },
        "LRN": simple { c in
            LRNOperator(size: c.int("size", 0), alpha: c.float("alpha", 1e-4), beta: c.float("beta", 0.75),
                        bias: c.float("bias", 1))
        },
        "InstanceNormalization": simple { c in StandardizeOperator(.instance, epsilon: c.float("epsilon", 1e-5)) },
        "GroupNormalization": simple { c in
            StandardizeOperator(.group(groups: c.int("num_groups", 0)), epsilon: c.float("epsilon", 1e-5))
        },
        "MeanVarianceNormalization": simple { c in
            StandardizeOperator(.meanVariance(axes: c.ints("axes") ?? [0, 2, 3]), epsilon: 1e-9)
        },
        "CastLike": { c in
            let declared = c.state.declaredTypes[c.input(1)].flatMap { CastTarget(onnxType: Int($0)) }
            return ONNXBuiltNode(op: CastLikeOperator(declared: declared), inputs: Array(c.node.input),
                                 outputs: Array(c.node.output))
        },
    ]

    static func constantOfShape(_ c: ONNXNodeContext) throws -> ConstantOfShapeOperator {
        guard let a = c.attribute("value") else { return ConstantOfShapeOperator(value: 0, isInteger: false) }
        let v = try ONNXTensorCodec.value(a.t, baseDirectory: nil, file: c.state.file)
        switch v {
        case .float(let x):
            guard x.value.count == 1 else { throw c.fail("value must hold one element") }
            return ConstantOfShapeOperator(value: Double(x.value.scalars[0]), isInteger: false)
        case .integer(let t):
            guard t.values.count == 1 else { throw c.fail("value must hold one element") }
            return ConstantOfShapeOperator(value: Double(t.values[0]), isInteger: true)
        }
    }

    static func argExtreme(_ c: ONNXNodeContext, largest: Bool) -> ArgExtremeOperator {
        ArgExtremeOperator(largest: largest, axis: c.int("axis", 0), keepDims: c.int("keepdims", 1) == 1,
                           selectLast: c.int("select_last_index", 0) == 1)
    }

    /// Pad: mode and (before opset 11) pads and value as attributes.
    static func pad(_ c: ONNXNodeContext) throws -> PadOperator {
        guard let mode = PadOperator.Mode(rawValue: c.string("mode") ?? "constant") else {
            throw c.unsupported("Pad mode \(c.string("mode") ?? "")")
        }
        guard c.opset < 11 else { return PadOperator(mode: mode) }
        guard let pads = c.ints("pads") ?? c.ints("paddings") else { throw c.fail("pads is required") }
        return PadOperator(mode: mode, padsAttribute: pads, valueAttribute: c.float("value", 0))
    }

    static func reduction(_ c: ONNXNodeContext) throws -> ScatterReduction {
        guard let r = ScatterReduction(rawValue: c.string("reduction") ?? "none") else {
            throw c.unsupported("reduction \(c.string("reduction") ?? "")")
        }
        return r
    }
}
