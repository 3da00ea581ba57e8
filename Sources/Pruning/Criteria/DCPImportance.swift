/// Discrimination-aware channel pruning (Zhuang et al., "Discrimination-aware Channel Pruning for Deep
/// Neural Networks", NeurIPS 2018): a group's channels are chosen, for the layers that read them, by
/// ``DCPSelection`` — greedily by the gradient norm of the reconstruction error of those layers' outputs
/// plus λ times the cross-entropy of an ``AuxiliaryClassifier`` fitted on their globally averaged dense
/// outputs, so channels that keep the features discriminative are kept even when they add little to
/// the reconstruction. Scores are ranks (the channel selected last scores 1), as for ThiNet and LASSO.
/// The paper's stage-wise fine-tuning with the auxiliary losses before each selection is not done here:
/// pair it with `--reconstruct weights` (least squares on the kept channels) and fine-tuning.
public struct DCPImportance: ImportanceCriterion, RegisteredCriterion {
    public var name: String { "dcp" }
    public let selection: DCPSelection
    public let classifierSteps: Int
    public var needs: [any CalibrationNeed] { [InputPatchGrams(), PooledInputPatches()] }

    public init(selection: DCPSelection = DCPSelection(), classifierSteps: Int = 300) {
        self.selection = selection; self.classifierSteps = classifierSteps
    }

    public static let variants = [CriterionVariant("dcp") { _ in DCPImportance() }]

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        throw PruningError.incompatible(layer: target.path, reason: "dcp chooses the channels of a dependency group "
                                        + "for the layers that read them; use it for structured pruning "
                                        + "(--structured --channel-importance dcp)")
    }

    public func memberChannelScores(_ group: ChannelGroupView, statistics: CalibrationStatistics) throws -> [[Double]] {
        guard !group.consumers.isEmpty else {
            throw PruningError.incompatible(layer: "group \(group.id)", reason: "dcp selects channels for the layers "
                                            + "that read them, and no Linear or Conv2d reads this group's")
        }
        let terms = try group.consumers.map { try term($0, channels: group.channels, statistics: statistics) }
        var scores = [Double](repeating: 0, count: group.channels)
        for (rank, c) in selection.selectionOrder(terms: terms, channels: group.channels).enumerated() {
            scores[c] = Double(group.channels - rank)
        }
        return [scores]
    }

    /// One consumer's part of the objective, from its patch Gram and pooled patches.
    func term(_ consumer: ChannelGroupView.Consumer, channels c: Int,
              statistics: CalibrationStatistics) throws -> DCPSelection.Term {
        let t = consumer.target, u = t.kernelArea * consumer.expansion, first = consumer.firstChannel * u
        let width = c * u, fanIn = t.fanIn
        guard let gram = statistics.patchGrams[t.layerPath], gram.samples > 0,
              let pooled = statistics.custom[PooledInputPatches.statisticKey]?[t.layerPath],
              let labelValues = statistics.custom[PooledInputPatches.labelKey]?["labels"] else {
            throw PruningError.missingStatistics("no input patches measured for \(t.layerPath): dcp needs calibration "
                                                 + "data, and the layer must be reachable in the forward pass")
        }
        let n = labelValues.count
        guard t.weightGroups == 1, gram.features == fanIn, first + width <= fanIn, pooled.count == n * fanIn else {
            throw PruningError.incompatible(layer: t.path, reason: "its input features do not hold the group's "
                                            + "\(c) channels × \(u) features at \(first) (\(fanIn) features)")
        }
        let w = t.parameter.effectiveValue.scalars.map(Double.init)
        let labels = labelValues.map { Int($0) }
        guard labels.allSatisfy({ $0 >= 0 }) else {
            throw PruningError.incompatible(layer: t.path,
                                            reason: "dcp's auxiliary classifier needs class labels ≥ 0")
        }
        let dense = DoubleMatrix.product(pooled, w, m: n, k: fanIn, n: t.outputs, transposeB: true)
        let classifier = AuxiliaryClassifier.fit(inputs: dense, features: t.outputs, labels: labels,
                                                 classes: (labels.max() ?? 0) + 1, steps: classifierSteps)
        return DCPSelection.Term(
            outputs: t.outputs, unit: u,
            gram: slice(gram.values, rows: (first, width), columns: (first, width), stride: fanIn).map {
                $0 / Double(gram.samples)
            },
            weight: slice(w, rows: (0, t.outputs), columns: (first, width), stride: fanIn),
            pooled: slice(pooled, rows: (0, n), columns: (first, width), stride: fanIn),
            denseOutputs: dense, classifier: classifier, labels: labels)
    }

    func slice(_ a: [Double], rows: (start: Int, count: Int), columns: (start: Int, count: Int),
               stride: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows.count * columns.count)
        for r in 0..<rows.count {
            for j in 0..<columns.count { out[r * columns.count + j] = a[(rows.start + r) * stride + columns.start + j] }
        }
        return out
    }
}
