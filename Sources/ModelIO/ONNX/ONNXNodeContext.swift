import ONNXProto
import PruneNN
import PruneTensor

/// One ONNX node as an operator builder sees it: its attributes, the opset, and the importer state.
struct ONNXNodeContext {
    let node: Onnx_NodeProto
    let index: Int
    let opset: Int
    let state: ONNXImportState

    var name: String { node.displayName(index: index) }

    func fail(_ reason: String) -> ONNXError { .invalidNode(node: name, opType: node.opType, reason: reason) }

    /// A valid form of the operator that Prune does not implement; `what` is completed by "is not supported".
    func unsupported(_ what: String) -> ONNXError { .unsupportedFeature(node: name, opType: node.opType, reason: what) }

    func attribute(_ key: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == key } }

    func int(_ key: String, _ fallback: Int) -> Int { attribute(key).map { Int($0.i) } ?? fallback }
    func float(_ key: String, _ fallback: Float) -> Float { attribute(key).map { $0.f } ?? fallback }
    func ints(_ key: String) -> [Int]? { attribute(key).map { $0.ints.map { Int($0) } } }
    func string(_ key: String) -> String? { attribute(key).map { String(decoding: $0.s, as: UTF8.self) } }

    /// Input `i`'s name ("" when absent).
    func input(_ i: Int) -> String { i < node.input.count ? node.input[i] : "" }

    /// The float initializer read by input `i`, if that input is one.
    func floatInitializer(_ i: Int) throws -> Tensor? { try floatInitializer(named: input(i)) }

    /// The float initializer `name` (nil when no initializer has that name); NaN values are an error.
    func floatInitializer(named n: String) throws -> Tensor? {
        guard !n.isEmpty, state.initializers[n] != nil else { return nil }
        guard case .float(let v) = try state.constant(n) else { throw fail("initializer '\(n)' must hold floats") }
        if let bad = v.value.scalars.firstIndex(where: { $0.isNaN }) { throw fail("initializer '\(n)' holds NaN (at index \(bad))") }
        return v.value
    }

    /// This node seen as two-dimensional: a 1-D Conv or pooling node's kernel, strides, dilations
    /// and pads get a leading height of 1 (the input then runs as `[N, C, 1, L]`).
    func liftedTo2D() -> ONNXNodeContext {
        var lifted = node
        for i in lifted.attribute.indices {
            let values = lifted.attribute[i].ints
            switch lifted.attribute[i].name {
            case "kernel_shape", "strides", "dilations" where values.count == 1: lifted.attribute[i].ints = [1] + values
            case "pads" where values.count == 2: lifted.attribute[i].ints = [0, values[0], 0, values[1]]
            default: break
            }
        }
        return ONNXNodeContext(node: lifted, index: index, opset: opset, state: state)
    }

    /// The geometry of a 2-D Conv, and the explicit padding to apply first when the node's padding
    /// is asymmetric or SAME with strides (the geometry then pads nothing).
    func convolutionGeometry(kernel: [Int], groups: Int) throws -> (Conv2dGeometry, SpatialPadding?) {
        if let g = try? geometry(kernel: kernel, groups: groups) { return (g, nil) }
        let p = try explicitPadding(kernel: kernel)
        return (Conv2dGeometry(kernel: p.kernel, stride: p.stride, padding: (0, 0), dilation: p.dilation,
                               groups: groups), p)
    }

    /// A 2-D Conv or pooling node's window and padding as explicit padding (any pads, VALID, or
    /// SAME_UPPER / SAME_LOWER resolved from the input size at run time).
    func explicitPadding(kernel k: [Int]) throws -> SpatialPadding {
        let strides = ints("strides") ?? [1, 1], dilations = ints("dilations") ?? [1, 1]
        let pads = ints("pads") ?? [0, 0, 0, 0], autoPad = string("auto_pad") ?? "NOTSET"
        guard k.count == 2, strides.count == 2, dilations.count == 2, pads.count == 4, k.allSatisfy({ $0 > 0 }),
              strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }), pads.allSatisfy({ $0 >= 0 }) else {
            throw fail("invalid kernel \(k), strides \(strides), dilations \(dilations) or pads \(pads)")
        }
        return SpatialPadding(pads: autoPad == "VALID" ? [0, 0, 0, 0] : pads,
                              autoPad: autoPad.hasPrefix("SAME") ? autoPad : nil, kernel: (k[0], k[1]),
                              stride: (strides[0], strides[1]), dilation: (dilations[0], dilations[1]))
    }

    /// The 2-D geometry of a Conv or pooling node (symmetric padding, NOTSET or VALID auto-padding).
    func geometry(kernel: [Int], groups: Int = 1) throws -> Conv2dGeometry {
        guard kernel.count == 2 else { throw fail("only 2-D kernels are supported (kernel \(kernel))") }
        let strides = ints("strides") ?? [1, 1], dilations = ints("dilations") ?? [1, 1]
        var pads = ints("pads") ?? [0, 0, 0, 0]
        switch string("auto_pad") ?? "NOTSET" {
        case "NOTSET", "": break
        case "VALID": pads = [0, 0, 0, 0]
        case let mode:
            // SAME padding is symmetric when stride 1 and the dilated kernel is odd.
            guard strides == [1,
                              1], kernel.enumerated().allSatisfy({ ((kernel[$0.offset] - 1) * dilations[$0.offset]) % 2 == 0 }) else {
                throw unsupported("auto_pad \(mode) with these strides (asymmetric padding)")
            }
            let ph = (kernel[0] - 1) * dilations[0] / 2, pw = (kernel[1] - 1) * dilations[1] / 2
            pads = [ph, pw, ph, pw]
        }
        guard strides.count == 2, dilations.count == 2, pads.count == 4, strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }),
              pads.allSatisfy({ $0 >= 0 }) else { throw fail("invalid strides \(strides), dilations \(dilations) or pads \(pads)") }
        guard pads[0] == pads[2], pads[1] == pads[3] else { throw unsupported("asymmetric pads \(pads)") }
        return Conv2dGeometry(kernel: (kernel[0], kernel[1]), stride: (strides[0], strides[1]), padding: (pads[0],
                pads[1]),
                              dilation: (dilations[0], dilations[1]), groups: groups)
    }
}

extension Onnx_NodeProto {
    /// The node's name, or `OpType_index` for an unnamed node (how errors and export updates name it).
    func displayName(index: Int) -> String { name.isEmpty ? "\(opType)_\(index)" : name }
}

/// What a builder returns: the operator, the values it reads and writes, and nodes it absorbed
/// (a MatMul's bias Add).
struct ONNXBuiltNode {
    var op: any GraphOperator
    var inputs: [String]
    var outputs: [String]
    var absorbed: [Int] = []
}
