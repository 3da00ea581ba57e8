import PrunePruning
import PruneTensor

/// A retraining-free pruning method for one Linear layer: given its weight `[out, in]` and the
/// statistics of its input on calibration data, returns the pruned (and possibly updated) weight.
/// A new method is one new conforming type.
public protocol OneShotMethod: Sendable {
    /// The name used on the command line and in reports.
    var name: String { get }
    /// Whether the method needs X·Xᵀ (collecting it costs `in²` memory per layer input).
    var needsGram: Bool { get }
    /// The pruned weight; zeros mark removed weights.
    func prune(weight: Tensor, statistics: LinearInputStatistics, sparsity: OneShotSparsity,
               layer: String) throws -> Tensor
}

/// Looks up a one-shot method by its command-line name: the dedicated methods first, then every
/// criterion of ``ImportanceRegistry`` (through ``CriterionOneShot``).
public enum OneShotMethods {
    /// The dedicated one-shot methods.
    public static let dedicated: [String: @Sendable () -> any OneShotMethod] = [
        "magnitude": { MagnitudeOneShot() }, "wanda": { Wanda() }, "sparsegpt": { SparseGPT() }, "alps": { ALPS() },
    ]
    public static var names: [String] {
        ["magnitude", "wanda", "sparsegpt", "alps"] + ImportanceRegistry.names.filter { dedicated[$0] == nil }
    }

    public static func named(_ name: String) throws -> any OneShotMethod {
        if let make = dedicated[name.lowercased()] { return make() }
        guard ImportanceRegistry.names.contains(name.lowercased()) else { throw OneShotError.unknownMethod(name) }
        return CriterionOneShot(try ImportanceRegistry.make(name))
    }
}

/// Errors of one-shot pruning, each naming what is wrong.
public enum OneShotError: Error, CustomStringConvertible {
    case unknownMethod(String)
    case noCalibrationData(String)
    case numerical(layer: String, reason: String)
    case invalid(String)

    public var description: String {
        switch self {
        case .unknownMethod(let n): return "unknown one-shot method \(n); known: \(OneShotMethods.names.joined(separator: ", "))"
        case .noCalibrationData(let m): return "no calibration data: \(m)"
        case let .numerical(l, r): return "\(l): \(r)"
        case .invalid(let m): return m
        }
    }
}
