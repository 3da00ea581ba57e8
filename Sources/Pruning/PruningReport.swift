import Foundation
import PruneAutodiff
import PruneNN
import PruneTensor

/// Size and cost of one prunable layer.
public struct LayerReport: Sendable, Codable {
    public var path: String
    public var shape: [Int]
    public var parameters: Int
    public var nonzeros: Int
    public var sparsity: Double
    /// Multiply-accumulates per example, dense and counting only non-zero weights.
    public var macs: Int
    public var nonzeroMACs: Int
    /// Bytes of the weight on disk: dense Float32 as safetensors stores it, and as a sparse
    /// encoding would (non-zeros as Float32 plus a 1-bit-per-weight mask).
    public var denseBytes: Int
    public var sparseBytes: Int
    /// Whether the layer was in the pruning scope.
    public var inScope: Bool
    /// Elements of one example's input and output activation of the layer (for ``EnergyModel``).
    public var inputElements: Int?
    public var outputElements: Int?
}

/// What pruning did: per layer and in total, and the accuracy at each stage.
public struct PruningReport: Sendable, Codable {
    public var layers: [LayerReport]
    /// All parameters of the model (biases, norms included) and their non-zeros.
    public var totalParameters: Int
    public var totalNonzeros: Int
    /// Sparsity of the weights in scope (what the target refers to).
    public var scopeSparsity: Double
    /// Sparsity over all parameters of the model.
    public var modelSparsity: Double
    public var macs: Int
    public var nonzeroMACs: Int
    public var accuracyDense: Double?
    public var accuracyAfterPruning: Double?
    public var accuracyAfterFineTuning: Double?
    /// The mean training loss of each fine-tuning epoch (nil when there was none).
    public var fineTuningCurve: [FineTuningEpoch]?
    /// Size of the saved model file, when one was written.
    public var fileBytes: Int?
    /// Criterion, pattern, scope and schedule, in words.
    public var settings: [String: String]
    /// For structured pruning: parameters and MACs of the dense model, and measured inference time
    /// (seconds for the whole test set) of the dense and the pruned model.
    public var denseParameters: Int?
    public var denseMACs: Int?
    public var inferenceSecondsDense: Double?
    public var inferenceSecondsPruned: Double?
    /// ``EnergyModel/eyeriss`` estimates of one inference: this model, and the dense model (for masks, the
    /// same shapes with every weight counted; a structured job sets the original model's).
    public var energy: EnergyEstimate?
    public var denseEnergy: EnergyEstimate?

    /// The estimated energy per inference as a fraction of the dense model's (nil without both estimates).
    public var energyLeft: Double? {
        guard let e = energy, let d = denseEnergy, d.total > 0 else { return nil }
        return e.total / d.total
    }

    /// Measures a model. `inputShape` is one example's shape (e.g. [1, 28, 28]) for the MAC count;
    /// `batch` is the batch the model is run with (a graph exported for a fixed batch needs that one).
    public static func measure(_ model: any Module, scopePaths: Set<String>,
                               inputShape: [Int], batch: Int = 1) throws -> PruningReport {
        var spatial: [String: Int] = [:], inputs: [String: Int] = [:]   // output positions, input elements
        _ = try withNoGrad {
            model.eval()
            return try ActivationRecorder.forward(model,
                                                  Variable(Tensor.zeros([batch] + inputShape))) { path, layer, input in
                if let weighted = layer as? any PrunableWeightLayer {
                    spatial[path] = weighted.outputPositions(forInput: input)
                    inputs[path] = input.count / max(batch, 1)
                }
            }
        }
        var layers: [LayerReport] = []
        for t in PruningTarget.all(in: model) {
            let w = t.parameter.effectiveValue.scalars
            let nz = w.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            // A layer the example did not reach: positions of a flat [1, in] input (a Linear: 1; a convolution: 0).
            let flat = Tensor.zeros([1, t.shape.count == 2 ? t.shape[1] : 1])
            let positions = spatial[t.layerPath] ?? (t.layer as? any PrunableWeightLayer)?.outputPositions(forInput: flat) ?? 0
            layers.append(LayerReport(path: t.path, shape: t.shape, parameters: w.count, nonzeros: nz,
                                      sparsity: w.isEmpty ? 0 : 1 - Double(nz) / Double(w.count),
                                      macs: w.count * positions, nonzeroMACs: nz * positions,
                                      denseBytes: 4 * w.count, sparseBytes: 4 * nz + (w.count + 7) / 8,
                                      inScope: scopePaths.contains(t.path), inputElements: inputs[t.layerPath],
                                      outputElements: t.outputs * positions))
        }
        var total = 0, nonzero = 0
        for (_, p) in model.parameters() {
            let v = p.effectiveValue.scalars
            total += v.count; nonzero += v.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        }
        let scope = layers.filter(\.inScope)
        let scopeCount = scope.reduce(0) { $0 + $1.parameters }, scopeNZ = scope.reduce(0) { $0 + $1.nonzeros }
        var report = PruningReport(layers: layers, totalParameters: total, totalNonzeros: nonzero,
                                   scopeSparsity: scopeCount == 0 ? 0 : 1 - Double(scopeNZ) / Double(scopeCount),
                                   modelSparsity: total == 0 ? 0 : 1 - Double(nonzero) / Double(total),
                                   macs: layers.reduce(0) { $0 + $1.macs },
                                   nonzeroMACs: layers.reduce(0) { $0 + $1.nonzeroMACs }, settings: [:])
        report.energy = EnergyModel.eyeriss.estimate(layers)
        report.denseEnergy = EnergyModel.eyeriss.estimate(layers, countingZeros: true)
        return report
    }

    /// The report as a text table.
    public func table() -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var lines = [pad("layer", 28) + pad("shape",
                                            16) + "    params   nonzero  sparsity         MACs  nonzero MACs   bytes  sparse bytes  in scope"]
        for l in layers {
            lines.append(pad(l.path, 28) + pad(l.shape.map(String.init).joined(separator: "x"), 16)
                         + String(format: "%10d %9d %8.2f%% %12d %13d %7d %13d  ", l.parameters, l.nonzeros,
                                  l.sparsity * 100, l.macs,
                                  l.nonzeroMACs, l.denseBytes, l.sparseBytes)
                         + (l.inScope ? "yes" : "no"))
        }
        lines.append(String(format: "total: %d parameters, %d non-zero (model sparsity %.2f%%, in-scope weight sparsity %.2f%%); MACs %d → %d non-zero (%.2f×)",
                            totalParameters, totalNonzeros, modelSparsity * 100, scopeSparsity * 100, macs, nonzeroMACs,
                            nonzeroMACs > 0 ? Double(macs) / Double(nonzeroMACs) : 0))
        func pct(_ x: Double?) -> String { x.map { String(format: "%.2f%%", $0 * 100) } ?? "–" }
        lines.append("accuracy: dense \(pct(accuracyDense)), after pruning \(pct(accuracyAfterPruning)), after fine-tuning \(pct(accuracyAfterFineTuning))")
        if let p = denseParameters, let m = denseMACs {
            lines.append(String(format: "structured: parameters %d → %d (%.2f×), MACs %d → %d (%.1f%% of dense)", p,
                                totalParameters,
                                Double(p) / Double(max(totalParameters,
                                                       1)), m, macs, 100 * Double(macs) / Double(max(m, 1))))
        }
        if let d = inferenceSecondsDense, let q = inferenceSecondsPruned {
            lines.append(String(format: "inference over the test set: dense %.3f s, pruned %.3f s (%.2f× faster)", d,
                                q, d / max(q, 1e-9)))
        }
        if let fileBytes { lines.append("saved file: \(fileBytes) bytes") }
        if let e = energy, let d = denseEnergy, let left = energyLeft {
            lines.append(String(format: "energy estimate per inference (Yang et al. 2017 model, Eyeriss costs; not "
                                + "measured): %.3g → %.3g MAC-equivalents (%.1f%% of dense; weights %.0f%%, "
                                + "activations %.0f%%, computation %.0f%%)", d.total, e.total, 100 * left,
                                100 * e.weights / e.total, 100 * e.activations / e.total,
                                100 * e.computation / e.total))
        }
        return lines.joined(separator: "\n")
    }
}

/// One fine-tuning epoch of a pruning job: its number (from 1, across the rounds of an iterative
/// schedule) and its mean training loss.
public struct FineTuningEpoch: Sendable, Codable, Equatable {
    public var epoch: Int
    public var loss: Double
    public init(epoch: Int, loss: Double) { self.epoch = epoch; self.loss = loss }
}
