import PruneNN
import PruneTensor

/// How pruned layers are stored once converted to inference-only sparse layers.
public enum SparseConversion: Sendable {
    /// Per layer, the format `chooser` measures fastest (dense included); without a chooser, CSR.
    case measured(SparseFormatChooser?)
    /// This format for every layer that can hold it.
    case fixed(SparseFormat)
}

/// What a layer becomes: `module` (nil: it stays as it is, because dense measured fastest) in `format`.
public struct SparseReplacement {
    public let module: (any Module)?
    public let format: String
    public init(module: (any Module)?, format: String) { self.module = module; self.format = format }
}

/// A layer with an inference-only sparse counterpart (``Linear`` → ``SparseLinear``, ``Conv2d`` →
/// ``SparseConv2d``). A new layer type becomes convertible by conforming.
public protocol SparseConvertible: Module {
    /// The replacement under `conversion`, or nil when the layer has fewer than `minimumSparsity`
    /// zeros (or cannot take that format).
    func sparseReplacement(_ conversion: SparseConversion, minimumSparsity: Double) throws -> SparseReplacement?
}

extension SparseConversion {
    /// Replaces every convertible layer of `model` that is sparse enough; returns what became of each.
    /// A layer kept dense has its masks folded into its weights (``Parameter/bake()``).
    @discardableResult
    public func apply(to model: any Module, minimumSparsity: Double) throws -> [(path: String, format: String)] {
        var replaced: [(String, String)] = []
        for (path, m) in model.namedModules() where !path.isEmpty {
            guard let layer = m as? any SparseConvertible,
                  let replacement = try layer.sparseReplacement(self,
                                                                minimumSparsity: minimumSparsity) else { continue }
            if let module = replacement.module {
                try model.replaceModule(at: path, with: module)
            } else {
                // Kept dense for inference: its pruned zeros are stored, so forward passes no longer
                // multiply the weight by its mask (one pass over every weight per call, per token).
                for p in layer.parameters().map(\.parameter) where p.mask != nil { p.bake() }
            }
            replaced.append((path, replacement.format))
        }
        return replaced
    }

    /// Whether `weight` has at least `minimum` zeros (a fraction).
    public static func isSparse(_ weight: [Float], atLeast minimum: Double) -> Bool {
        Double(weight.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }) >= minimum * Double(max(weight.count, 1))
    }

    /// The format a weight gets: the fixed one, or the measured fastest (nil: dense is fastest).
    public func format(for weight: Tensor) throws -> SparseFormat? {
        switch self {
        case .fixed(let format): return format
        case .measured(let chooser): return try chooser.map { try $0.fastest(for: weight) } ?? .csr
        }
    }
}
