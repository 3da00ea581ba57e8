/// Output-activation criteria, per neuron / filter (every weight of an output channel gets its
/// channel's score), with A the activation the network applies to the layer's output over the
/// calibration data: after the BatchNorm and nonlinearity that follow the layer, or the layer's raw
/// output when none follows (see ``ActivationRecorder`` for each container type):
/// - mean |A| (activation magnitude; Molchanov et al. 2017 use it as a baseline),
/// - Var(A) (activation variance: a neuron that barely varies acts as a constant bias),
/// - 1 − APoZ, the fraction of non-zero activations (Hu et al., "Network Trimming: A Data-Driven
///   Neuron Pruning Approach", 2016: a high average percentage of zeros after the ReLU marks a
///   removable neuron; without a ReLU after the layer almost no activation is exactly zero).
public struct ActivationImportance: ChannelScoringCriterion {
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
}

extension ActivationImportance: RegisteredCriterion {
    public static let variants = [
        CriterionVariant("activation") { _ in ActivationImportance(statistic: .meanMagnitude) },
        CriterionVariant("activation-variance") { _ in ActivationImportance(statistic: .variance) },
        CriterionVariant("apoz") { _ in ActivationImportance(statistic: .nonZeroFraction) },
    ]
}
