import PruneTensor
import PruneNN

/// How strictly ``Module/load(_:options:file:)`` matches a state dict against a module.
public struct LoadOptions: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Fail when the file has keys the module does not (PyTorch's `num_batches_tracked` is always ignored).
    public static let noUnusedKeys = LoadOptions(rawValue: 1)
    /// Fail when the module has parameters or buffers the file lacks.
    public static let noMissingKeys = LoadOptions(rawValue: 2)
    /// Fail when a shape differs (always on; listed for clarity).
    public static let shapeMismatch = LoadOptions(rawValue: 4)
    /// All checks.
    public static let strict: LoadOptions = [.noUnusedKeys, .noMissingKeys, .shapeMismatch]
}

extension Module {
    /// Parameters (their effective, masked values) and buffers by path.
    public func stateDict() -> StateDict {
        var d: [String: Tensor] = [:]
        for (path, p) in parameters() { d[path] = p.effectiveValue }
        for (path, b) in buffers() { d[path] = b.value }
        return StateDict(d)
    }

    /// Loads parameter and buffer values from a state dict. Nothing is changed unless every check passes.
    public func load(_ state: StateDict, options: LoadOptions = .strict, file: String = "<state dict>") throws {
        var targets: [String: (shape: [Int], set: (Tensor) -> Void)] = [:]
        for (path, p) in parameters() { targets[path] = (p.shape, { p.value = $0; p.mask = nil }) }
        for (path, b) in buffers() { targets[path] = (b.value.shape, { b.value = $0 }) }
        let fileKeys = Set(state.tensors.keys.filter { !$0.hasSuffix("num_batches_tracked") })
        if options.contains(.noMissingKeys) {
            let missing = targets.keys.filter { !fileKeys.contains($0) }.sorted()
            if !missing.isEmpty {
                throw ModelIOError(file: file,
                                   "missing \(missing.count) key(s) the model needs: \(missing.prefix(8).joined(separator: ", "))\(missing.count > 8 ? ", …" : "") (wrong model for this checkpoint?)")
            }
        }
        if options.contains(.noUnusedKeys) {
            let unused = fileKeys.filter { targets[$0] == nil }.sorted()
            if !unused.isEmpty {
                throw ModelIOError(file: file,
                                   "\(unused.count) key(s) the model does not have: \(unused.prefix(8).joined(separator: ", "))\(unused.count > 8 ? ", …" : "")")
            }
        }
        for (key, t) in state.tensors {
            guard let target = targets[key] else { continue }
            guard t.shape == target.shape else {
                throw ModelIOError(file: file,
                                   "'\(key)' has shape \(t.shape) in the file but \(target.shape) in the model")
            }
            guard t.isFinite else { throw ModelIOError(file: file, "'\(key)' holds NaN or infinite values") }
        }
        for (key, t) in state.tensors { targets[key]?.set(t) }
    }
}
