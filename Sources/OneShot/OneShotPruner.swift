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

/// Sequential, block-by-block one-shot pruning without retraining, as Wanda and SparseGPT do it,
/// for any ``BlockSequentialModel`` (BERT encoders, Llama decoders): the calibration batches run
/// through the embeddings; then for each block in turn, the inputs of its Linear layers are
/// summarized (``LinearInputStatistics``), every Linear of the block is pruned by the method, and
/// the batches are run through the now pruned block to become the inputs of the next one. So
/// each block is calibrated on the outputs of the already-pruned blocks before it, and memory
/// stays at one block's activations plus one layer's statistics (X·Xᵀ only for methods that need it).
public struct OneShotPruner {
    public var method: any OneShotMethod
    public var sparsity: OneShotSparsity
    /// Which Linear layers to prune, by path relative to the block (`attention.self.query`,
    /// `mlp.down_proj`, …); nil prunes all of them.
    public var include: ((String) -> Bool)?
    /// A sparsity per block (an allocation such as ``OWLAllocation``'s); nil uses `sparsity` everywhere.
    public var blockSparsities: [OneShotSparsity]?

    public init(method: any OneShotMethod, sparsity: OneShotSparsity, include: ((String) -> Bool)? = nil,
                blockSparsities: [OneShotSparsity]? = nil) {
        self.method = method; self.sparsity = sparsity; self.include = include; self.blockSparsities = blockSparsities
    }

    /// Prunes `model` in place; `progress` receives one line per block. With `checkpoints`, the state
    /// is saved after every block, and a saved state of an earlier run is restored and continued; SIGTERM
    /// and SIGINT then become a ``StopRequest`` that ends the run after the block in progress
    /// (``OneShotStopped``).
    public func prune<M: BlockSequentialModel>(_ model: M, calibration: [M.Batch],
                                               checkpoints: (any OneShotCheckpoints)? = nil,
                                               progress: ((String) -> Void)? = nil) throws -> [OneShotLayerResult] {
        guard calibration.contains(where: { !model.tokenMask($0).isEmpty }) else {
            throw OneShotError.noCalibrationData("the calibration set is empty")
        }
        if let b = blockSparsities, b.count != model.blockCount {
            throw OneShotError.invalid("\(b.count) block sparsities for \(model.blockCount) blocks")
        }
        return try StopRequest.deferringSignals(if: checkpoints != nil) {
            try pruneBlocks(model, calibration: calibration, checkpoints: checkpoints, progress: progress)
        }
    }

    /// The blocks not yet done (all, or those after a saved state), in order.
    private func pruneBlocks<M: BlockSequentialModel>(_ model: M, calibration: [M.Batch],
                                                      checkpoints: (any OneShotCheckpoints)?,
                                                      progress: ((String) -> Void)?) throws -> [OneShotLayerResult] {
        var state = try startingState(model, calibration: calibration, checkpoints: checkpoints)
        for b in state.blocksDone..<model.blockCount {
            let started = Date(), target = blockSparsities?[b] ?? sparsity
            let blockResults = try pruneBlock(b, of: model, calibration: calibration, hidden: state.hidden,
                                              sparsity: target)
            try model.blockChanged(b)
            state.results += blockResults
            for (i, batch) in calibration.enumerated() {
                state.hidden[i] = try model.runBlock(b, state.hidden[i], batch: batch, observer: nil)
            }
            try checkpoints?.save(blocksDone: b + 1, results: state.results, hidden: state.hidden,
                                  blockWeights: try prunedWeights(ofBlock: b, of: model))
            progress?(String(format: "block %d/%d pruned with %@ (%@) in %.1f s", b + 1, model.blockCount,
                             method.name, target.description, Date().timeIntervalSince(started)))
            if checkpoints != nil, StopRequest.isRequested, b + 1 < model.blockCount {
                throw OneShotStopped(blocksDone: b + 1, blockCount: model.blockCount)
            }
        }
        return state.results
    }

    /// The embedded batches from the first block, or a saved run's state with its pruned blocks put back.
    private func startingState<M: BlockSequentialModel>(_ model: M, calibration: [M.Batch],
                                                        checkpoints: (any OneShotCheckpoints)?) throws
        -> OneShotProgress {
        guard let saved = try checkpoints?.saved() else {
            return OneShotProgress(blocksDone: 0, results: [], hidden: try calibration.map { try model.embed($0) },
                                   weights: [:])
        }
        guard saved.blocksDone <= model.blockCount, saved.hidden.count == calibration.count else {
            throw OneShotError.invalid("the checkpoint holds \(saved.blocksDone) blocks and \(saved.hidden.count) "
                                       + "batches; this run has \(model.blockCount) blocks and \(calibration.count)")
        }
        for b in 0..<saved.blocksDone {
            for (path, linear) in try model.linearLayers(ofBlock: b) where include?(path) ?? true {
                let name = model.blockPrefix(b) + path + ".weight"
                guard let w = saved.weights[name], w.shape == linear.prunableWeight.value.shape else {
                    throw OneShotError.invalid("the checkpoint has no weight \(name) of shape "
                                               + "\(linear.prunableWeight.value.shape)")
                }
                linear.prunableWeight.value = w
                linear.prunableWeight.mask = w.map { $0 == 0 ? 0 : 1 }
            }
            try model.blockChanged(b)
        }
        // The weights are in the model now; the state carried through the blocks does not keep a copy.
        return OneShotProgress(blocksDone: saved.blocksDone, results: saved.results, hidden: saved.hidden,
                               weights: [:])
    }

    /// Collects the inputs of block `b`'s Linear layers on the batches and prunes each of them.
    private func pruneBlock<M: BlockSequentialModel>(_ b: Int, of model: M, calibration: [M.Batch], hidden: [Tensor],
                                                     sparsity target: OneShotSparsity) throws -> [OneShotLayerResult] {
        let collector = BlockStatisticsCollector(collectGram: method.needsGram)
        // The block's output is not needed here: the pass ends after the last Linear input it observes.
        collector.stopAfter = Set(try model.linearLayers(ofBlock: b).map(\.path).filter { include?($0) ?? true })
        for (i, batch) in calibration.enumerated() {
            collector.tokenMask = model.tokenMask(batch)
            do {
                _ = try model.runBlock(b, hidden[i], batch: batch, observer: collector)
            } catch is ObservationComplete {}
        }
        return try model.linearLayers(ofBlock: b).filter { include?($0.path) ?? true }.map { path, linear in
            try pruneLayer(linear, path: model.blockPrefix(b) + path, statistics: collector.statistics[path],
                           sparsity: target)
        }
    }

    private func prunedWeights<M: BlockSequentialModel>(ofBlock b: Int, of model: M) throws -> [String: Tensor] {
        var weights: [String: Tensor] = [:]
        for (path, linear) in try model.linearLayers(ofBlock: b) where include?(path) ?? true {
            weights[model.blockPrefix(b) + path + ".weight"] = linear.prunableWeight.value
        }
        return weights
    }

    func pruneLayer(_ linear: any LinearLayer & PrunableWeightLayer, path: String,
                    statistics: LinearInputStatistics?, sparsity: OneShotSparsity) throws -> OneShotLayerResult {
        guard linear.inFeatures > 0, linear.outFeatures > 0 else {
            return OneShotLayerResult(path: path, shape: [linear.outFeatures, linear.inFeatures], sparsity: 0,
                                      tokens: 0)
        }
        guard let stats = statistics else { throw OneShotError.noCalibrationData("\(path) saw no input") }
        let pruned = try method.prune(weight: linear.prunableWeight.value, statistics: stats, sparsity: sparsity,
                                      layer: path)
        linear.prunableWeight.value = pruned
        linear.prunableWeight.mask = pruned.map { $0 == 0 ? 0 : 1 }
        let zeros = pruned.scalars.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        return OneShotLayerResult(path: path, shape: pruned.shape, sparsity: Double(zeros) / Double(max(pruned.count,
                1)),
                                  tokens: stats.tokens)
    }
}
