/// What a criterion needs measured on calibration data before it can score.
public enum CalibrationNeed: Hashable, Sendable {
    /// Per-batch loss gradients of the weights: their sum and the sum of their squares.
    case gradients
    /// The diagonal of the loss Hessian (Hutchinson's estimator with finite-difference Hessian-vector products).
    case hessianDiagonal
    /// The squared L2 norm of every input feature / channel of each layer over the calibration data.
    case inputNorms
    /// Per output channel of each layer, statistics of A = ReLU(output): Σ A, Σ A², zeros, count.
    case outputActivations
    /// Movement scores −Σ_t w_t·g_t accumulated over fine-tuning steps (the steps update the model).
    case movement
}

/// An importance criterion: scores the weights of one layer; the lowest-scoring groups are pruned.
///
/// Criteria only compute scores (JaxPruner's separation): the pattern groups them, the scope decides
/// how many go. A new criterion is one new type.
public protocol ImportanceCriterion: Sendable {
    /// The name the CLI and recipes use.
    var name: String { get }
    /// The statistics it needs (none for weight-only criteria).
    var needs: Set<CalibrationNeed> { get }
    /// Whether scores are compared only within each output row (Wanda: every row of W loses the same
    /// fraction of its weights) instead of across the whole scope.
    var comparesWithinOutputRows: Bool { get }
    /// One score per weight element.
    func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float]
    /// One score per group of the pattern; by default the sum of the element scores.
    func groupScores(_ target: PruningTarget, groups: PatternGroups, statistics: CalibrationStatistics) throws -> [Double]
}

extension ImportanceCriterion {
    public var needs: Set<CalibrationNeed> { [] }
    public var comparesWithinOutputRows: Bool { false }

    public func groupScores(_ target: PruningTarget, groups: PatternGroups, statistics: CalibrationStatistics) throws -> [Double] {
        groups.sum(try elementScores(target, statistics: statistics))
    }
}

/// The criteria by the names the CLI and recipes use.
public enum ImportanceRegistry {
    /// The names of the criteria for trained models (`snip` is pruning at initialization: ``PruneAtInit``).
    public static let names = ["random", "magnitude", "l1", "l2", "taylor", "fisher", "obd", "lamp", "wanda",
                               "input-weighted-magnitude", "fpgm", "movement", "activation", "activation-variance", "apoz"]

    /// The criterion named `name` (`seed` feeds the random one).
    public static func make(_ name: String, seed: UInt64 = 0) throws -> any ImportanceCriterion {
        switch name.lowercased() {
        case "random": return RandomImportance(seed: seed)
        case "magnitude", "l1": return MagnitudeImportance(norm: .l1)
        case "l2": return MagnitudeImportance(norm: .l2)
        case "taylor": return TaylorImportance()
        case "fisher": return FisherImportance()
        case "obd": return OptimalBrainDamageImportance()
        case "snip":
            throw PruningError.invalidOption("snip is pruning at initialization (Lee et al. 2019): it scores an untrained "
                + "network once, before training; use `prune train --prune-at-init snip --sparsity S` (or taylor on a trained model)")
        case "lamp": return LAMPImportance()
        case "wanda": return WandaImportance()
        case "input-weighted-magnitude": return WandaImportance(rowwise: false)
        case "fpgm": return FPGMImportance()
        case "movement": return MovementImportance()
        case "activation": return ActivationImportance(statistic: .meanMagnitude)
        case "activation-variance": return ActivationImportance(statistic: .variance)
        case "apoz": return ActivationImportance(statistic: .nonZeroFraction)
        default: throw PruningError.invalidOption("unknown criterion \(name); known: \(names.joined(separator: ", "))")
        }
    }
}
