import PrunePruning
import PruneAutodiff
import PruneNN
import PruneTensor

/// What structured pruning aims for.
public enum StructuredTarget: Sendable, Equatable {
    /// Remove this fraction of the channels of every group.
    case channelRatio(Double)
    /// Keep at most this fraction of the parameters of the traced layers (Linear, Conv2d, BatchNorm).
    case parameters(Double)
    /// Keep at most this fraction of the dense model's multiply-accumulates.
    case flops(Double)
    /// Remove this fraction of the channels of each group, in the graph's group order (a searched
    /// allocation: ``EvolutionaryRatioSearch``).
    case groupRatios([Double])
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
    /// The layers refit after the channels went (nil without a reconstruction).
    public var refits: [LayerRefit]?
}

/// Calibration data for criteria that need it (Taylor, Fisher, OBD, APoZ, activation, …).
public struct StructuredCalibration {
    public var loader: DataLoader
    public var batches: Int
    public init(loader: DataLoader, batches: Int = 16) { self.loader = loader; self.batches = batches }
}

/// Removes whole channels through the dependency graph, leaving a physically smaller dense model.
/// Channels are scored by any ``ImportanceCriterion`` (its ``ImportanceCriterion/memberChannelScores(_:statistics:)``):
/// L1/L2 filter norms (Li et al., ICLR 2017), BatchNorm |γ| (Liu et al., ICCV 2017), FPGM (He et al.,
/// CVPR 2019), Taylor (Molchanov et al., ICLR 2017), APoZ (Hu et al. 2016), and every other criterion.
public struct StructuredPruner {
    public var criterion: any ImportanceCriterion
    public var aggregation: GroupAggregation
    public var target: StructuredTarget
    /// Every group keeps at least this fraction of its channels (and at least one).
    public var minimumKept: Double
    /// Seeds calibration (Hutchinson probes of OBD).
    public var seed: UInt64
    /// Kept channel counts are rounded up to a multiple of this (8 or 16 suit vectorized
    /// inference engines; Torch-Pruning's `round_to`); the cost may then stay a little above the target.
    public var roundTo: Int = 1
    /// Refits the layers that lost input channels to the dense model's outputs on the calibration data
    /// (``LeastSquaresWeights``, He et al. 2017; ``ChannelScaling``, ThiNet); nil leaves them as they are.
    public var reconstruction: (any ChannelReconstruction)?

    public init(criterion: any ImportanceCriterion = MagnitudeImportance(norm: .l2),
                aggregation: GroupAggregation = .sum,
                target: StructuredTarget, minimumKept: Double = 0.1, seed: UInt64 = 0) {
        self.criterion = criterion; self.aggregation = aggregation; self.target = target
        self.minimumKept = minimumKept; self.seed = seed
    }

    /// Traces, scores, chooses and removes channels in place; `example` is one input batch. A criterion
    /// that needs data measures it on `calibration` first.
    public func prune(_ model: any Module, example: Tensor,
                      calibration: StructuredCalibration? = nil) throws -> StructuredResult {
        try checkTarget()
        let graph = try DependencyGraph(tracing: model, example: example)
        guard !graph.groups.isEmpty else { throw StructuredPruningError.noRemovableChannels }
        let statistics = try measure(model, graph: graph, calibration: calibration)
        let scores = try graph.groups.map { try channelScores($0, statistics: statistics) }
        let dense = Self.cost(graph, Dictionary(uniqueKeysWithValues: graph.groups.map { (ObjectIdentifier($0),
                $0.channels) }))
        let removed = try StructuredSelection(pruner: self, graph: graph, scores: scores).removedChannels()
        let refit = try prepareRefit(model, graph: graph, removed: removed, calibration: calibration)
        var changes: [GroupChange] = []
        var after: [ObjectIdentifier: Int] = [:]
        var keptRows: [String: [Int]] = [:]
        for (gi, g) in graph.groups.enumerated() {
            let before = g.channels
            let keep = (0..<g.channels).filter { !removed[gi].contains($0) }
            if keep.count < g.channels {
                for m in g.producers where m.layer is any PatchwiseLayer {
                    keptRows[m.path] = keep.flatMap { c in (0..<m.expansion).map { c * m.expansion + $0 } }
                }
                try g.apply(keeping: keep)
            }
            after[ObjectIdentifier(g)] = g.channels
            changes.append(GroupChange(group: g.id, members: g.members.map { "\($0.path) (\($0.role))" },
                                       channelsBefore: before, channelsAfter: g.channels))
        }
        let refits = try refit?.run(model, keptRows: keptRows)
        let final = Self.cost(graph, after)
        // The pruned model must still run on the example.
        _ = try withNoGrad { try model.forward(Variable(example)) }
        return StructuredResult(parametersBefore: dense.parameters, parametersAfter: final.parameters,
                                macsBefore: dense.macs, macsAfter: final.macs, groups: changes, refits: refits)
    }

    /// With a reconstruction: the dense outputs of every weighted layer that will lose input channels.
    func prepareRefit(_ model: any Module, graph: DependencyGraph, removed: [Set<Int>],
                      calibration: StructuredCalibration?) throws -> ConsumerRefit? {
        guard let reconstruction else { return nil }
        guard let calibration else {
            throw StructuredPruningError.invalid("the \(reconstruction.name) reconstruction needs calibration data")
        }
        var layers = Set<String>()
        for (gi, g) in graph.groups.enumerated() where !removed[gi].isEmpty {
            for m in g.consumers where m.layer is any PatchwiseLayer { layers.insert(m.path) }
        }
        return try ConsumerRefit.prepare(model, layers: layers, reconstruction: reconstruction,
                                         calibration: calibration, seed: seed)
    }

    func checkTarget() throws {
        switch target {
        case .channelRatio(let r) where !(r >= 0 && r < 1),
             .parameters(let r) where !(r > 0 && r <= 1),
             .flops(let r) where !(r > 0 && r <= 1):
            throw StructuredPruningError.invalid("impossible target \(target): ratios must be in (0, 1] (channel "
                                                 + "ratio in [0, 1))")
        case .groupRatios(let rs) where rs.contains(where: { !($0 >= 0 && $0 < 1) }):
            throw StructuredPruningError.invalid("impossible target: every group's ratio must be in [0, 1), got \(rs)")
        default: break
        }
    }

    /// What the criterion needs, measured on the producers' weights of the graph.
    func measure(_ model: any Module, graph: DependencyGraph,
                 calibration: StructuredCalibration?) throws -> CalibrationStatistics {
        guard !criterion.needs.isEmpty else { return .none }
        guard let calibration else {
            throw StructuredPruningError.invalid("the \(criterion.name) criterion needs calibration data")
        }
        return try Calibration.collect(model: model, targets: try graph.weightTargets(), needs: criterion.needs,
                                       loader: calibration.loader, batches: calibration.batches,
                                       settings: CalibrationSettings(seed: seed))
    }

    /// Parameters and MACs per example of the traced layers at the given group widths.
    public static func cost(_ graph: DependencyGraph,
                            _ widths: [ObjectIdentifier: Int]) -> (parameters: Int, macs: Int) {
        var params = 0, macs = 0
        for (l, inW, outW) in layerWidths(graph, widths) {
            if l.normalization { params += 2 * outW; continue }
            let weights = l.depthwise ? outW * l.kernelArea : outW * inW * l.expansion * l.kernelArea
            params += weights + (l.hasBias ? outW : 0)
            macs += weights * l.positions
        }
        return (params, macs)
    }

    /// Every traced layer with its input and output channel counts when the groups have `widths`.
    public static func layerWidths(_ graph: DependencyGraph, _ widths: [ObjectIdentifier: Int])
        -> [(layer: DependencyGraph.TracedLayer, inputs: Int, outputs: Int)] {
        graph.layers.map { l in
            let inW = l.inGroup.map { widths[ObjectIdentifier($0)]! } ?? l.inChannels
            var outW = l.outGroup.map { widths[ObjectIdentifier($0)]! * l.outExpansion } ?? l.outChannels
            if !l.outSegments.isEmpty {
                outW = l.outSegments.reduce(0) { sum, seg in
                    sum + (seg.group.map { widths[ObjectIdentifier($0)]! * seg.expansion } ?? seg.outputs)
                }
            }
            return (l, inW, outW)
        }
    }

    /// One score per channel of a group: the criterion's member scores, aggregated.
    func channelScores(_ g: PruningGroup, statistics: CalibrationStatistics) throws -> [Double] {
        let perMember = try criterion.memberChannelScores(try g.view(), statistics: statistics)
        for s in perMember where s.count != g.channels {
            throw StructuredPruningError.invalid("\(criterion.name) gave \(s.count) scores for group \(g.id) of \(g.channels) channels")
        }
        return (0..<g.channels).map { c in
            let values = perMember.map { $0[c] }
            switch aggregation {
            case .sum: return values.reduce(0, +)
            case .mean: return values.reduce(0, +) / Double(max(values.count, 1))
            case .max: return values.max() ?? 0
            }
        }
    }
}
