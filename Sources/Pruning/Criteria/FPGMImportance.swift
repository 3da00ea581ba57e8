/// Filter pruning via the geometric median (He et al., CVPR 2019): a filter whose summed Euclidean
/// distance to the layer's other filters is smallest lies near the geometric median, is the most
/// replaceable, and goes first. Scores whole output channels only.
public struct FPGMImportance: ImportanceCriterion {
    public let name = "fpgm"
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        throw PruningError.incompatible(layer: target.path, reason: "FPGM scores whole filters; use the channels granularity")
    }

    public func groupScores(_ target: PruningTarget, groups: PatternGroups, statistics: CalibrationStatistics) throws -> [Double] {
        guard groups.count == target.outputs, groups.sizes.first == target.fanIn else {
            throw PruningError.incompatible(layer: target.path, reason: "FPGM scores whole filters; use the channels granularity")
        }
        let w = target.parameter.value.scalars, n = target.outputs, d = target.fanIn
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
