import PruneTensor

/// What block-by-block pruning had done when it was saved: the blocks finished, their layers'
/// results, the calibration batches' hidden states entering the next block, and the finished blocks'
/// pruned Linear weights by full parameter path (`model.layers.3.mlp.down_proj.weight`).
public struct OneShotProgress {
    public var blocksDone: Int
    public var results: [OneShotLayerResult]
    public var hidden: [Tensor]
    public var weights: [String: Tensor]

    public init(blocksDone: Int, results: [OneShotLayerResult], hidden: [Tensor], weights: [String: Tensor]) {
        self.blocksDone = blocksDone; self.results = results; self.hidden = hidden; self.weights = weights
    }
}

/// Where ``OneShotPruner`` saves its progress after every block, so a killed run continues after its
/// last finished block and ends with the same model, bit for bit, as a run that was never stopped.
public protocol OneShotCheckpoints: AnyObject {
    /// The progress an earlier run of the same job saved; nil starts from the first block.
    func saved() throws -> OneShotProgress?
    /// Called once block `blocksDone − 1` is pruned and the batches have run through it;
    /// `blockWeights` holds that block's pruned weights (the earlier blocks' were given before).
    func save(blocksDone: Int, results: [OneShotLayerResult], hidden: [Tensor],
              blockWeights: [String: Tensor]) throws
}
