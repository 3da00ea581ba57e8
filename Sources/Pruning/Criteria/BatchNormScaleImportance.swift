/// Network slimming's channel score |γ| (Liu et al., "Learning Efficient Convolutional Networks
/// through Network Slimming", ICCV 2017): the scale of the BatchNorm (or LayerNorm) that normalizes a
/// channel. It scores channels of dependency groups (structured pruning); a group without a
/// normalization falls back to the L1 norm of its producers' filters.
public struct BatchNormScaleImportance: ImportanceCriterion {
    public let name = "bn"
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        throw PruningError.incompatible(layer: target.path, reason: "bn scores channels by the scale of the BatchNorm "
                                        + "that follows them; use it for structured pruning (--structured)")
    }

    public func memberChannelScores(_ group: ChannelGroupView, statistics: CalibrationStatistics) throws -> [[Double]] {
        guard !group.normalizers.isEmpty else {
            return try MagnitudeImportance(norm: .l1).producerChannelScores(group, statistics: statistics)
        }
        return group.normalizers.map { n in n.parameter.effectiveValue.scalars.map { Double(abs($0)) } }
    }
}

extension BatchNormScaleImportance: RegisteredCriterion {
    public static let variants = [CriterionVariant("bn") { _ in BatchNormScaleImportance() }]
}
