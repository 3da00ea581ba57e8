/// Filter pruning via the geometric median (He et al., CVPR 2019): a filter whose summed Euclidean
/// distance to the layer's other filters is smallest lies near the geometric median, is the most
/// replaceable, and goes first. Scores whole output channels only.
public struct FPGMImportance: ImportanceCriterion {
    public let name = "fpgm"
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        throw PruningError.incompatible(layer: target.path,
                                        reason: "FPGM scores whole filters; use the channels granularity")
    }

    /// Groups must be whole filters: consecutive rows of the `[out, in·k]` matrix (one row, or an
    /// attention head's rows).
    public func groupScores(_ target: PruningTarget, groups: PatternGroups,
                            statistics: CalibrationStatistics) throws -> [Double] {
        let n = groups.count, d = target.count / max(n, 1)
        let wholeRows = n > 0 && d % target.fanIn == 0 && groups.sizes.allSatisfy { $0 == d }
            && groups.groupOf.enumerated().allSatisfy { Int($0.element) == $0.offset / d }
        guard wholeRows else {
            throw PruningError.incompatible(layer: target.path,
                                            reason: "FPGM scores whole filters; use the channels granularity")
        }
        let w = target.parameter.effectiveValue.scalars
        var scores = [Double](repeating: 0, count: n)
        for i in 0..<n {
            for j in (i + 1)..<max(n, i + 1) {
                var s = 0.0
                for k in 0..<d { let t = Double(w[i * d + k] - w[j * d + k]); s += t * t }
                let dist = s.squareRoot()
                scores[i] += dist; scores[j] += dist
            }
        }
        return scores
    }
}

extension FPGMImportance: RegisteredCriterion {
    public static let variants = [CriterionVariant("fpgm") { _ in FPGMImportance() }]
}
