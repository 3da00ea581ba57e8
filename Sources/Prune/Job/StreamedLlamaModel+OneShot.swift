import PruneTensor
import PruneNN
import PruneModelIO
import PruneOneShot

/// A streamed decoder is pruned and evaluated by the same code as one held in memory: its blocks
/// are read one at a time as the pruner and ``Perplexity`` walk them, and a pruned block is saved to
/// the spill file (``StreamedLlamaModel/saveBlock(_:)``) before the next is read.
extension StreamedLlamaModel: CausalBlockLanguageModel {
    public func blockPrefix(_ i: Int) -> String { shell.blockPrefix(i) }
    public func embed(_ batch: TokenRows) throws -> Tensor { try shell.embed(batch.rows) }
    public func runBlock(_ i: Int, _ h: Tensor, batch: TokenRows, observer: LinearInputObserver?) throws -> Tensor {
        try block(i).run(h, rope: shell.rope, observer: observer)
    }
    public func linearLayers(ofBlock i: Int) throws -> [(path: String, layer: any LinearLayer & PrunableWeightLayer)] {
        try block(i).linearLayers
    }
    public func tokenMask(_ batch: TokenRows) -> [Int] { shell.tokenMask(batch) }
    public func blockChanged(_ i: Int) throws { try saveBlock(i) }
    public var vocabularySize: Int { shell.vocabularySize }
    public func logits(hidden: Tensor) throws -> Tensor { try shell.logits(hidden: hidden) }
    /// Up to 64 windows (16k tokens of 256: 38 MB of hidden states for SmolLM2) per read of the blocks.
    public var windowsPerPass: Int { 64 }
}
