import Foundation
import PruneTensor
import PruneNN

/// What happened to one Linear layer in a one-shot run.
public struct OneShotLayerResult: Sendable, Codable {
    public var path: String
    public var shape: [Int]
    public var sparsity: Double
    /// Calibration tokens whose statistics the decision used.
    public var tokens: Int
}

/// Sequential, layer-by-layer one-shot pruning of a BERT encoder without retraining, as Wanda and
/// SparseGPT do it: the calibration batches run through the embeddings; then for each encoder
/// block in turn, the inputs of its Linear layers are summarized (``LinearInputStatistics``), every
/// Linear of the block is pruned by the method, and the batches are run through the now pruned
/// block to become the inputs of the next one. So each block is calibrated on the outputs of the
/// already-pruned blocks before it, and memory stays at one block's activations plus one layer's
/// statistics (X·Xᵀ only for methods that need it).
public struct OneShotPruner {
    public var method: any OneShotMethod
    public var sparsity: OneShotSparsity
    /// Which Linear layers to prune, by path relative to the block (`attention.self.query`,
    /// `attention.output.dense`, `intermediate.dense`, `output.dense`, …); nil prunes all of them.
    public var include: ((String) -> Bool)?

    public init(method: any OneShotMethod, sparsity: OneShotSparsity, include: ((String) -> Bool)? = nil) {
        self.method = method; self.sparsity = sparsity; self.include = include
    }

    /// Prunes `model` in place; `progress` receives one line per block.
    public func prune(_ model: BertModel, calibration: [TokenBatch],
                      progress: ((String) -> Void)? = nil) throws -> [OneShotLayerResult] {
        guard calibration.contains(where: { $0.count > 0 }) else { throw OneShotError.noCalibrationData("the calibration set is empty") }
        var hidden = try calibration.map { try model.embed(tokens: $0) }
        var results: [OneShotLayerResult] = []
        for (b, layer) in model.layers.enumerated() {
            let started = Date()
            let collector = BlockStatisticsCollector(collectGram: method.needsGram)
            for (i, batch) in calibration.enumerated() {
                collector.tokenMask = batch.attentionMask
                _ = try model.runLayer(b, hidden[i], batch: batch, observer: collector)
            }
            for (path, linear) in layer.linearLayers where include?(path) ?? true {
                let full = "encoder.layer.\(b).\(path)"
                guard linear.inFeatures > 0, linear.outFeatures > 0 else { continue }
                guard let stats = collector.statistics[path] else { throw OneShotError.noCalibrationData("\(full) saw no input") }
                let pruned = try method.prune(weight: linear.prunableWeight.value, statistics: stats,
                                              sparsity: sparsity, layer: full)
                linear.prunableWeight.value = pruned
                linear.prunableWeight.mask = pruned.map { $0 == 0 ? 0 : 1 }
                let zeros = pruned.scalars.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
                results.append(OneShotLayerResult(path: full, shape: pruned.shape,
                                                  sparsity: Double(zeros) / Double(max(pruned.count,
                                                                                       1)), tokens: stats.tokens))
            }
            for (i, batch) in calibration.enumerated() { hidden[i] = try model.runLayer(b, hidden[i], batch: batch) }
            progress?(String(format: "block %d/%d pruned with %@ (%@) in %.1f s", b + 1, model.layers.count,
                             method.name, sparsity.description, Date().timeIntervalSince(started)))
        }
        return results
    }
}
