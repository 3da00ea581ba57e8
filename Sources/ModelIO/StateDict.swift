import PruneTensor

/// Named tensors — the one interchange type between modules and file formats (safetensors, ONNX).
/// Keys are module paths (`features.0.weight`, `bn.running_mean`).
public struct StateDict: Sendable, Equatable {
    public var tensors: [String: Tensor]
    /// Free-form string metadata (safetensors `__metadata__`).
    public var metadata: [String: String]

    public init(_ tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public subscript(key: String) -> Tensor? {
        get { tensors[key] }
        set { tensors[key] = newValue }
    }

    /// Keys in byte order (the order safetensors files list them in).
    public var sortedKeys: [String] { tensors.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }
}
