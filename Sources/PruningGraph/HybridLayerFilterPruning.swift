import PruneAutodiff
import PruneNN
import PrunePruning
import PruneTensor

/// Hybrid layer-vs-filter pruning guided by representational similarity (the reference texts' "Hybrid
/// and Multi-Modal Pruning": at each iterative step decide whether to remove a whole layer or a set of
/// filters, choosing the action whose child best preserves the parent's internal representations by
/// centered kernel alignment). The actions of a step are: remove one residual block with an identity
/// shortcut (``ResidualBlockRemoval``), remove one plain layer whose output has its input's shape
/// (``ShapePreservingLayerRemoval``), or remove filters by the pruner's channel criterion until the
/// model keeps `1 − filterStep` of its current MACs (less on the last step, to land on the target).
/// Each child is scored by linear ``CenteredKernelAlignment`` between its and the parent's features at
/// the input of the last prunable layer on the probe examples (after an optional BatchNorm
/// recalibration), per MAC removed: the action with the least (1 − CKA) / (fraction of the dense MACs
/// it removes) is taken. Steps repeat until the model keeps at most `keep` of the dense MACs. Children are
/// rebuilt from a fresh dense copy by replaying the chosen actions, so the criterion must score from
/// the weights alone.
public struct HybridLayerFilterPruning {
    /// One chosen action: the path of a residual block or of a shape-preserving layer to remove, or a filter
    /// step to keep this fraction of the MACs.
    public struct Action: Codable, Sendable, Equatable {
        public let removed: String?
        public let keepMACs: Double?
        public var description: String {
            removed.map { "remove \($0)" } ?? String(format: "filters to %.1f%% of the MACs", (keepMACs ?? 1) * 100)
        }
    }

    /// A step: the action taken, its CKA with the parent, the dense MACs left after it, the actions tried.
    public struct Step: Codable, Sendable {
        public let action: Action
        public let cka: Double
        public let macsLeft: Double
        public let candidates: Int
    }

    public var filters: StructuredPruner
    public var keep: Double
    public var filterStep: Double
    public var recalibration: BatchNormRecalibration?

    public init(filters: StructuredPruner, keep: Double, filterStep: Double = 0.1,
                recalibration: BatchNormRecalibration? = nil) throws {
        guard keep > 0, keep < 1, filterStep > 0, filterStep < 1 else {
            throw StructuredPruningError.invalid("hybrid pruning needs a MACs target in (0, 1) and a filter step "
                                                 + "in (0, 1), got \(keep) and \(filterStep)")
        }
        guard filters.criterion.needs.isEmpty else {
            throw StructuredPruningError.invalid("hybrid layer-vs-filter pruning replays its steps from the dense "
                                                 + "model, so the channel criterion must score from the weights "
                                                 + "alone; \(filters.criterion.name) needs calibration data")
        }
        self.filters = filters; self.keep = keep; self.filterStep = filterStep; self.recalibration = recalibration
    }

    /// Chooses the steps on copies from `reload`; `example` is one input, `probe` the examples compared.
    public func search(reload: () throws -> any Module, example: Tensor, probe: Tensor,
                       progress: (String) -> Void = { _ in }) throws -> [Step] {
        let denseMACs = Double(try Self.macs(try reload(), example: example))
        var steps: [Step] = []
        var parent = try reload()
        var left = 1.0
        while left > keep + 1e-9 {
            let parentFeatures = try features(parent, probe: probe)
            let removable = try ResidualBlockRemoval.candidates(parent, inputs: probe).map(\.path)
                + ShapePreservingLayerRemoval.candidates(parent)
            var options = removable.map { Action(removed: $0, keepMACs: nil) }
            options.append(Action(removed: nil, keepMACs: max(keep / left, 1 - filterStep)))
            var best: (step: Step, model: any Module, cost: Double)?
            var refused = ""
            for option in options {
                let child: any Module
                do {
                    child = try replay(steps.map(\.action) + [option], reload: reload, example: example)
                } catch let error as StructuredPruningError {
                    if case .unknownLayer = error { throw error }
                    refused = ": \(error)"   // a filter step the groups' minimum widths cannot take
                    continue
                }
                let childLeft = Double(try Self.macs(child, example: example)) / denseMACs
                guard childLeft < left - 1e-12 else { continue }
                let cka = try similarity(parentFeatures, child, probe: probe)
                let cost = (1 - cka) / (left - childLeft)
                if best == nil || cost < best!.cost {
                    best = (Step(action: option, cka: cka, macsLeft: childLeft, candidates: options.count), child, cost)
                }
            }
            guard let chosen = best else {
                throw StructuredPruningError.invalid(String(format: "no layer or filter removal lowers the MACs "
                                                            + "below %.1f%% of dense", left * 100) + refused)
            }
            steps.append(chosen.step)
            parent = chosen.model
            left = chosen.step.macsLeft
            progress(String(format: "step %d: %@ (CKA %.4f), %.1f%% of the MACs left", steps.count,
                            chosen.step.action.description, chosen.step.cka, left * 100))
        }
        return steps
    }

    /// Applies `actions` in order to `model` (in place).
    public func apply(_ actions: [Action], to model: any Module, example: Tensor) throws {
        for action in actions {
            if let path = action.removed {
                guard try ResidualBlockRemoval.removeBlock(at: path, from: model)
                        || ShapePreservingLayerRemoval.removeLayer(at: path, from: model) else {
                    throw StructuredPruningError.invalid("no residual block or shape-preserving layer at \(path)")
                }
            } else if let keepMACs = action.keepMACs {
                var p = filters
                p.target = .flops(keepMACs)
                p.reconstruction = nil
                _ = try p.prune(model, example: example)
            }
        }
    }

    func replay(_ actions: [Action], reload: () throws -> any Module, example: Tensor) throws -> any Module {
        let model = try reload()
        try apply(actions, to: model, example: example)
        if let recalibration, BatchNormRecalibration.applies(to: model) { try recalibration.apply(to: model) }
        return model
    }

    func similarity(_ parent: (values: [Double], columns: Int), _ child: any Module, probe: Tensor) throws -> Double {
        let c = try features(child, probe: probe)
        return CenteredKernelAlignment.linear(parent.values, c.values, rows: probe.shape[0], xColumns: parent.columns,
                                              yColumns: c.columns)
    }

    /// The input of the model's last prunable layer on `probe`, one row per example.
    func features(_ model: any Module, probe: Tensor) throws -> (values: [Double], columns: Int) {
        guard let last = PruningTarget.all(in: model).last?.layerPath else {
            throw StructuredPruningError.invalid("the model has no Linear or Conv2d layer to compare features at")
        }
        var captured: Tensor?
        model.eval()
        _ = try withNoGrad {
            try ActivationRecorder.forward(model, Variable(probe)) { path, _, input in
                if path == last { captured = input }
            }
        }
        guard let x = captured else { throw StructuredPruningError.invalid("\(last) was not reached by the probe") }
        let n = max(probe.shape[0], 1)
        return (x.scalars.map(Double.init), x.count / n)
    }

    static func macs(_ model: any Module, example: Tensor) throws -> Int {
        try PruningReport.measure(model, scopePaths: [], inputShape: Array(example.shape.dropFirst())).macs
    }
}
