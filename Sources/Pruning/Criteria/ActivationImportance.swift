/// Output-activation criteria, per neuron / filter (every weight of an output channel gets its
/// channel's score), with A the activation the network applies to the layer's output over the
/// calibration data: after the BatchNorm and nonlinearity that follow the layer, or the layer's raw
/// output when none follows (see ``ActivationRecorder`` for each container type):
/// - mean |A| (activation magnitude; Molchanov et al. 2017 use it as a baseline),
/// - Var(A) (activation variance: a neuron that barely varies acts as a constant bias),
/// - 1 − APoZ, the fraction of non-zero activations (Hu et al., "Network Trimming: A Data-Driven
///   Neuron Pruning Approach", 2016: a high average percentage of zeros after the ReLU marks a
///   removable neuron; without a ReLU after the layer almost no activation is exactly zero).
public struct ActivationImportance: ImportanceCriterion {
    public enum Statistic: Sendable { case meanMagnitude, variance, nonZeroFraction }
    public var statistic: Statistic
    public var name: String {
        switch statistic {
        case .meanMagnitude: return "activation"
        case .variance: return "activation-variance"
        case .nonZeroFraction: return "apoz"
        }
    }
    public let needs: [any CalibrationNeed] = [OutputActivations()]
    public init(statistic: Statistic) { self.statistic = statistic }

    /// One score per output channel.
    public func channelScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Double] {
        let s = try statistics.outputStatistics(target.layerPath)
        return (0..<s.sum.count).map { c in
            let mean = s.sum[c] / s.count
            switch statistic {
            case .meanMagnitude: return s.absolute[c] / s.count
            case .variance: return max(s.squares[c] / s.count - mean * mean, 0)
            case .nonZeroFraction: return 1 - s.zeros[c] / s.count
            }
        }
    }

    /// A group's score is its channels' mean statistic (not their sum over the weights), so channels of
    /// layers with different fan-in compare, in a global scope and within a dependency group alike.
    public func groupScores(_ target: PruningTarget, groups: PatternGroups,
                            statistics: CalibrationStatistics) throws -> [Double] {
        let sums = groups.sum(try elementScores(target, statistics: statistics))
        return zip(sums, groups.sizes).map { $0 / Double(max($1, 1)) }
    }

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let c = try channelScores(target, statistics: statistics)
        guard c.count == target.outputs else {
            throw PruningError.missingStatistics("\(target.layerPath): \(c.count) channel statistics for \(target.outputs) outputs")
        }
        var out = [Float](repeating: 0, count: target.count)
        for o in 0..<target.outputs { for j in 0..<target.fanIn { out[o * target.fanIn + j] = Float(c[o]) } }
        return out
    }
}

extension ActivationImportance: RegisteredCriterion {
    public static let variants = [
        CriterionVariant("activation") { _ in ActivationImportance(statistic: .meanMagnitude) },
        CriterionVariant("activation-variance") { _ in ActivationImportance(statistic: .variance) },
        CriterionVariant("apoz") { _ in ActivationImportance(statistic: .nonZeroFraction) },
    ]
}
