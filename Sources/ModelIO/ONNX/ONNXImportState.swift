import ONNXProto
import PruneAutodiff
import PruneNN
import PruneTensor

/// How a parameter or buffer is written back into an initializer on export: the initializer's
/// name and the current value in the layout ONNX expects (masks folded in).
struct ONNXBinding {
    let initializer: String
    let read: () -> Tensor
}

/// The importer's shared state: initializers, the layers made so far, and the export bindings.
final class ONNXImportState {
    let file: String
    let baseDirectory: String?
    var initializers: [String: Onnx_TensorProto] = [:]
    private var converted: [String: GraphValue] = [:]
    /// Constant node outputs.
    var constantNodes: [String: GraphValue] = [:]
    let layers = ModuleDictionary()
    var bindings: [ONNXBinding] = []
    /// Initializers owned by layers (not graph constants).
    var owned: Set<String> = []
    /// Node attribute rewrites on export (Conv groups after depthwise channels are removed).
    var nodeUpdates: [String: (inout Onnx_NodeProto) -> Void] = [:]
    /// For each value, the indices of the nodes that read it.
    var consumers: [String: [Int]] = [:]
    var nodes: [Onnx_NodeProto] = []
    /// Element types the model declares for its values (graph inputs, outputs, value infos, initializers).
    var declaredTypes: [String: Int32] = [:]
    /// The rank each graph input, output, annotated value and initializer is declared with.
    var declaredRanks: [String: Int] = [:]
    var graphOutputs: Set<String> = []
    /// Outputs of Transpose nodes that only turn a 2-D weight initializer for one MatMul (PyTorch's
    /// exporter without constant folding): output name → the initializer. The MatMul's Linear
    /// reads the initializer itself; the Transpose stays in the exported graph.
    var transposedWeights: [String: String] = [:]

    init(file: String, baseDirectory: String?) { self.file = file; self.baseDirectory = baseDirectory }

    /// An initializer or Constant node output as a graph value.
    func constant(_ name: String) throws -> GraphValue? {
        if let v = constantNodes[name] { return v }
        if let v = converted[name] { return v }
        guard let t = initializers[name] else { return nil }
        let v = try ONNXTensorCodec.value(t, baseDirectory: baseDirectory, file: file)
        converted[name] = v
        return v
    }

    /// Adds a layer under a name derived from its initializer (`conv1.weight` → `conv1`) or node,
    /// and returns the operator that runs it.
    func addLayer(_ module: any Module, initializer: String?, suffix: String, node: String) throws -> ModuleOperator {
        var base = initializer.flatMap { $0.hasSuffix(suffix) ? String($0.dropLast(suffix.count)) : nil } ?? ""
        if !Self.isDotted(base) { base = Self.sanitize(node) }
        var name = base, k = 2
        while (try? layers.module(at: name)) != nil || layerPrefixTaken(name) { name = base + "_\(k)"; k += 1 }
        let (container, local) = try layers.insert(module, at: name)
        return ModuleOperator(container: container, name: local)
    }

    private func layerPrefixTaken(_ name: String) -> Bool {
        // A path cannot pass through a layer (`fc1.x` when `fc1` is a Linear).
        let parts = name.split(separator: ".")
        for i in 1..<max(parts.count, 1) {
            if let m = try? layers.module(at: parts[..<i].joined(separator: ".")), !(m is ModuleDictionary) {
                return true
            }
        }
        if let m = try? layers.module(at: name), m is ModuleDictionary { return true }
        return false
    }

    static func isDotted(_ s: String) -> Bool {
        !s.isEmpty && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        }
    }

    static func sanitize(_ s: String) -> String {
        let mapped = String(s.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        let trimmed = mapped.drop { $0 == "_" }
        return trimmed.isEmpty ? "layer" : String(trimmed)
    }

    /// Records that `initializer` now lives in a layer, written back by `read`.
    func bind(_ initializer: String, _ read: @escaping () -> Tensor) {
        owned.insert(initializer)
        bindings.append(ONNXBinding(initializer: initializer, read: read))
    }
}

extension Parameter {
    /// The value with the pruning mask folded in, as exported.
    var exportedValue: Tensor { effectiveValue }
}
