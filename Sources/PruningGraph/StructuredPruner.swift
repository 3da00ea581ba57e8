import PruneAutodiff
import PruneNN
import PruneTensor

/// How a channel of a group is scored.
public enum ChannelImportance: String, Sendable, CaseIterable {
    /// L1 norm of the producers' filters (Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017).
    case l1
    /// L2 norm of the producers' filters.
    case l2
    /// |γ| of the BatchNorm followers (network slimming, Liu et al., ICCV 2017); L1 norm for groups without BatchNorm.
    case batchNormScale = "bn"
    /// Summed distance of each filter to the others (FPGM, He et al., CVPR 2019).
    case fpgm
    /// Seeded random scores (the baseline).
    case random
}

/// How member scores combine into a group's channel score.
public enum GroupAggregation: String, Sendable, CaseIterable { case sum, mean, max }

/// What structured pruning aims for.
public enum StructuredTarget: Sendable, Equatable {
    /// Remove this fraction of the channels of every group.
    case channelRatio(Double)
    /// Keep at most this fraction of the parameters of the traced layers (Linear, Conv2d, BatchNorm).
    case parameters(Double)
    /// Keep at most this fraction of the dense model's multiply-accumulates.
    case flops(Double)
}

/// Per-group outcome of a structured prune.
public struct GroupChange: Sendable, Codable {
    public var group: Int
    public var members: [String]
    public var channelsBefore: Int
    public var channelsAfter: Int
}

/// The result: costs before and after, and what each group kept.
public struct StructuredResult: Sendable, Codable {
    public var parametersBefore: Int
    public var parametersAfter: Int
    public var macsBefore: Int
    public var macsAfter: Int
    public var groups: [GroupChange]
}

/// Removes whole channels through the dependency graph, leaving a physically smaller dense model.
public struct StructuredPruner: Sendable {
    public var importance: ChannelImportance
    public var aggregation: GroupAggregation
    public var target: StructuredTarget
    /// Every group keeps at least this fraction of its channels (and at least one).
    public var minimumKept: Double
    public var seed: UInt64
    /// Kept channel counts are rounded up to a multiple of this (8 or 16 suit vectorized
    /// inference engines; Torch-Pruning's `round_to`); the cost may then stay a little above the target.
    public var roundTo: Int = 1

    public init(importance: ChannelImportance = .l2, aggregation: GroupAggregation = .sum, target: StructuredTarget,
                minimumKept: Double = 0.1, seed: UInt64 = 0) {
        self.importance = importance; self.aggregation = aggregation; self.target = target
        self.minimumKept = minimumKept; self.seed = seed
    }

    /// Traces, scores, chooses and removes channels in place; `example` is one input batch.
    public func prune(_ model: any Module, example: Tensor) throws -> StructuredResult {
        switch target {
        case .channelRatio(let r) where !(r >= 0 && r < 1),
             .parameters(let r) where !(r > 0 && r <= 1),
             .flops(let r) where !(r > 0 && r <= 1):
            throw StructuredPruningError.invalid("impossible target \(target): ratios must be in (0, 1] (channel ratio in [0, 1))")
        default: break
        }
        let graph = try DependencyGraph(tracing: model, example: example)
        guard !graph.groups.isEmpty else { throw StructuredPruningError.invalid("the model has no channels that can be removed") }
        let scores = try graph.groups.map { try channelScores($0) }
        var widths = Dictionary(uniqueKeysWithValues: graph.groups.map { (ObjectIdentifier($0), $0.channels) })
        let minimum = Dictionary(uniqueKeysWithValues: graph.groups.map {
            (ObjectIdentifier($0), max(1, Int((minimumKept * Double($0.channels)).rounded(.up))))
        })
        let dense = Self.cost(graph, widths)
        var removed = graph.groups.map { _ in Set<Int>() }
        // Channels in order of score, each normalized by its group's mean so groups compare.
        var order: [(Double, Int, Int)] = []
        for (gi, s) in scores.enumerated() {
            let mean = s.reduce(0, +) / Double(max(s.count, 1))
            for (c, v) in s.enumerated() { order.append((mean > 0 ? v / mean : v, gi, c)) }
        }
        order.sort { $0.0 < $1.0 || ($0.0 == $1.0 && ($0.1, $0.2) < ($1.1, $1.2)) }
        switch target {
        case .channelRatio(let r):
            for (gi, g) in graph.groups.enumerated() {
                let goal = min(Int((r * Double(g.channels)).rounded(.down)), g.channels - minimum[ObjectIdentifier(g)]!)
                let ranked = scores[gi].indices.sorted { scores[gi][$0] < scores[gi][$1] || (scores[gi][$0] == scores[gi][$1] && $0 < $1) }
                removed[gi] = Set(ranked.prefix(max(goal, 0)))
            }
        case .parameters(let keep), .flops(let keep):
            let useFlops: Bool = { if case .flops = target { return true } else { return false } }()
            let limit = Double(useFlops ? dense.macs : dense.parameters) * keep
            var current = Double(useFlops ? dense.macs : dense.parameters)
            for (_, gi, c) in order where current > limit {
                let id = ObjectIdentifier(graph.groups[gi])
                guard widths[id]! > minimum[id]! else { continue }
                widths[id]! -= 1
                removed[gi].insert(c)
                let cost = Self.cost(graph, widths)
                current = Double(useFlops ? cost.macs : cost.parameters)
            }
            if current > limit {
                throw StructuredPruningError.invalid("impossible target: keeping \(minimumKept * 100)% of every group leaves \(Int(current)) \(useFlops ? "MACs" : "parameters"), above the \(Int(limit)) asked for")
            }
        }
        if roundTo > 1 {
            for (gi, g) in graph.groups.enumerated() {
                let kept = g.channels - removed[gi].count
                let target = min(g.channels, (kept + roundTo - 1) / roundTo * roundTo)
                // Restore the best-scoring removed channels.
                let back = removed[gi].sorted { scores[gi][$0] > scores[gi][$1] || (scores[gi][$0] == scores[gi][$1] && $0 < $1) }
                for c in back.prefix(target - kept) { removed[gi].remove(c) }
            }
        }
        var changes: [GroupChange] = []
        var after = widths
        for (gi, g) in graph.groups.enumerated() {
            let before = g.channels
            let keep = (0..<g.channels).filter { !removed[gi].contains($0) }
            if keep.count < g.channels { try g.apply(keeping: keep) }
            after[ObjectIdentifier(g)] = g.channels
            changes.append(GroupChange(group: g.id, members: g.members.map { "\($0.path) (\($0.role))" }, channelsBefore: before, channelsAfter: g.channels))
        }
        let final = Self.cost(graph, after)
        // The pruned model must still run on the example.
        _ = try withNoGrad { try model.forward(Variable(example)) }
        return StructuredResult(parametersBefore: dense.parameters, parametersAfter: final.parameters, macsBefore: dense.macs,
                                macsAfter: final.macs, groups: changes)
    }

    /// Parameters and MACs per example of the traced layers at the given group widths.
    static func cost(_ graph: DependencyGraph, _ widths: [ObjectIdentifier: Int]) -> (parameters: Int, macs: Int) {
        var params = 0, macs = 0
        for l in graph.layers {
            let inW = l.inGroup.map { widths[ObjectIdentifier($0)]! } ?? l.inChannels
            let outW = l.outGroup.map { widths[ObjectIdentifier($0)]! * l.outExpansion } ?? l.outChannels
            if l.normalization { params += 2 * outW; continue }
            let weights = l.depthwise ? outW * l.kernelArea : outW * inW * l.expansion * l.kernelArea
            params += weights + (l.hasBias ? outW : 0)
            macs += weights * l.positions
        }
        return (params, macs)
    }

    /// One score per channel of a group, aggregated over its producers (and BatchNorm followers).
    func channelScores(_ g: PruningGroup) throws -> [Double] {
        var perMember: [[Double]] = []
        switch importance {
        case .random:
            var rng = RandomGenerator(seed: seed &+ UInt64(g.id))
            return (0..<g.channels).map { _ in Double(rng.nextUniform()) }
        case .batchNormScale where g.followers.contains(where: { $0.layer.channelTransform == .normalization }):
            for f in g.followers where f.layer.channelTransform == .normalization {
                perMember.append(f.layer.channelScoringWeight.scalars.map { Double(abs($0)) })
            }
        default:
            for p in g.producers {
                let w = p.layer.channelScoringWeight
                // With expansion e a channel owns e consecutive rows (an attention head): score them as one.
                let rows = w.shape[0] / max(p.expansion, 1), d = w.scalars.count / max(rows, 1)
                var s = [Double](repeating: 0, count: rows)
                if importance == .fpgm {
                    for i in 0..<rows { for j in (i + 1)..<max(rows, i + 1) {
                        var acc = 0.0
                        for k in 0..<d { let t = Double(w.scalars[i * d + k] - w.scalars[j * d + k]); acc += t * t }
                        s[i] += acc.squareRoot(); s[j] += acc.squareRoot()
                    } }
                } else {
                    for i in 0..<rows {
                        var acc = 0.0
                        for k in 0..<d { let v = Double(w.scalars[i * d + k]); acc += importance == .l2 ? v * v : abs(v) }
                        s[i] = importance == .l2 ? acc.squareRoot() : acc
                    }
                }
                perMember.append(s)
            }
        }
        var out = [Double](repeating: 0, count: g.channels)
        for c in 0..<g.channels {
            let vals = perMember.map { $0[c] }
            switch aggregation {
            case .sum: out[c] = vals.reduce(0, +)
            case .mean: out[c] = vals.reduce(0, +) / Double(max(vals.count, 1))
            case .max: out[c] = vals.max() ?? 0
            }
        }
        return out
    }
}
