import Foundation
import ONNXProto
import PruneAutodiff
import PruneNN
import PruneTensor

/// How one conformance case ended.
public enum ONNXConformanceOutcome: Sendable, Equatable {
    case passed
    /// Imported and ran, but an output differs (or the import or run failed on a model Prune should handle).
    case failed(String)
    /// Valid ONNX that Prune does not import: an operator, opset, data type or operator form it lacks.
    case notSupported(String)
}

/// Runs ONNX backend test cases through Prune's importer and engine and compares every output
/// with the expected one, elementwise: |actual − expected| ≤ atol + rtol·|expected| (NaN matches NaN).
public struct ONNXConformanceRunner: Sendable {
    public var relativeTolerance: Double
    public var absoluteTolerance: Double

    public init(relativeTolerance: Double = 1e-3, absoluteTolerance: Double = 1e-4) {
        self.relativeTolerance = relativeTolerance; self.absoluteTolerance = absoluteTolerance
    }

    public func run(_ testCase: ONNXConformanceCase) -> ONNXConformanceOutcome {
        do {
            let model: ONNXModel
            do { model = try ONNXModel.load(testCase.model) } catch let e as ONNXError where e.isUnsupported {
                return .notSupported(e.description)
            }
            for (k, set) in testCase.dataSets.enumerated() {
                if let problem = try check(model, set, generated: testCase.generatedInput) {
                    return problem.hasPrefix("not supported: ") ? .notSupported(String(problem.dropFirst(15)))
                                                                 : .failed("data set \(k): \(problem)")
                }
            }
            return .passed
        } catch let GraphError.node(name, op, GraphError.unsupported(what)) {
            return .notSupported("node '\(name)' (\(op)): \(what) is not supported")
        } catch {
            return .failed("\(error)")
        }
    }

    /// Nil when every output matches; otherwise what differs ("not supported: …" for a data type Prune lacks).
    func check(_ model: ONNXModel, _ set: ONNXConformanceCase.DataSet, generated: Bool) throws -> String? {
        let inputs = model.graph.inputs, declared = model.declaredTypes
        var feeds: [String: GraphValue] = [:]
        if generated {
            for input in inputs { feeds[input.name] = Self.rampInput(shape: input.shape.map { $0 ?? 1 }) }
        } else {
            guard set.inputs.count == inputs.count else {
                return "the data set has \(set.inputs.count) inputs, the graph \(inputs.count)"
            }
            for (input, file) in zip(inputs, set.inputs) {
                guard let v = try Self.tensor(file, declared: declared[input.name]) else {
                    return "not supported: input of type \(Self.typeName(file))"
                }
                feeds[input.name] = v
            }
        }
        let results = try withNoGrad { try model.graph.run(feeds) }
        guard set.outputs.count <= model.graph.outputNames.count else {
            return "\(set.outputs.count) expected outputs, the graph has \(model.graph.outputNames.count)"
        }
        for (name, file) in zip(model.graph.outputNames, set.outputs) {
            guard let expected = try Self.tensor(file, declared: declared[name]) else {
                return "not supported: output of type \(Self.typeName(file))"
            }
            guard let actual = results[name] else { return "output '\(name)' was not computed" }
            if let difference = compare(actual, expected) { return "output '\(name)': \(difference)" }
        }
        return nil
    }

    /// `arange(n) / n` in float, shaped like the input (the ONNX runner's input for light models).
    static func rampInput(shape: [Int]) -> GraphValue {
        let n = shape.reduce(1, *)
        return .float(Variable(Tensor(unchecked: shape, (0..<n).map { Float(Double($0) / Double(n)) })))
    }

    /// A stored TensorProto file (`input_0.pb`) as a graph value, or nil when its element type is one
    /// Prune does not read.
    /// Half-precision data stored as its 16-bit patterns (`uint16`, as NumPy writes bfloat16) is read
    /// as the half type the graph declares.
    public static func tensor(_ file: String, declared: Int32? = nil) throws -> GraphValue? {
        guard let data = FileManager.default.contents(atPath: file) else { throw ModelIOError(file: file,
                                                                                              "cannot read the file") }
        var t = try Onnx_TensorProto(serializedBytes: data)
        let uint16 = Int32(Onnx_TensorProto.DataType.uint16.rawValue)
        if let declared, t.dataType == uint16,
           [Onnx_TensorProto.DataType.bfloat16, .float16].map({ Int32($0.rawValue) }).contains(declared) {
            t.dataType = declared
        }
        guard ONNXTensorCodec.reads(t) else { return nil }
        return try ONNXTensorCodec.value(t, baseDirectory: nil, file: file)
    }

    static func typeName(_ file: String) -> String {
        guard let data = FileManager.default.contents(atPath: file),
              let t = try? Onnx_TensorProto(serializedBytes: data) else { return "unknown" }
        return Onnx_TensorProto.DataType(rawValue: Int(t.dataType)).map { "\($0)" } ?? "\(t.dataType)"
    }

    /// Nil when `actual` matches `expected`: same shape, every element within tolerance.
    func compare(_ actual: GraphValue, _ expected: GraphValue) -> String? {
        guard actual.shape == expected.shape else { return "shape \(actual.shape), expected \(expected.shape)" }
        let a = Self.doubles(actual), e = Self.doubles(expected)
        var worst = 0.0, worstIndex = -1
        for i in e.indices {
            if a[i].isNaN && e[i].isNaN || a[i] == e[i] { continue }
            let excess = Swift.abs(a[i] - e[i]) - (absoluteTolerance + relativeTolerance * Swift.abs(e[i]))
            if !(excess <= 0) && (worstIndex < 0 || !(excess <= worst)) { worst = excess; worstIndex = i }
        }
        guard worstIndex >= 0 else { return nil }
        return "element \(worstIndex) is \(a[worstIndex]), expected \(e[worstIndex])"
    }

    static func doubles(_ v: GraphValue) -> [Double] {
        switch v {
        case .float(let x): return x.value.scalars.map { Double($0) }
        case .integer(let t): return t.values.map { Double($0) }
        }
    }
}
