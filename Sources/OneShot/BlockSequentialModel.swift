import PruneTensor
import PruneNN

/// A model that one-shot pruning walks block by block (``OneShotPruner``): inputs are embedded
/// once, then each block runs on the previous block's outputs while an observer sees the inputs
/// of its Linear layers. The BERT encoder and the Llama decoder conform, so both are pruned by the
/// same code; a new architecture joins by conforming in one file beside its model.
public protocol BlockSequentialModel: AnyObject {
    /// One calibration batch as the model takes it.
    associatedtype Batch
    var blockCount: Int { get }
    /// The parameter path prefix of block `i` (`encoder.layer.3.`, `model.layers.3.`).
    func blockPrefix(_ i: Int) -> String
    /// The input of the first block for a batch, `[batch, length, hidden]`.
    func embed(_ batch: Batch) throws -> Tensor
    /// Block `i` on hidden states `h`, reporting its Linear inputs to `observer`.
    func runBlock(_ i: Int, _ h: Tensor, batch: Batch, observer: LinearInputObserver?) throws -> Tensor
    /// The dense Linear layers of block `i` by path relative to the block, in execution order
    /// (throws when a streamed model cannot read the block).
    func linearLayers(ofBlock i: Int) throws -> [(path: String, layer: any LinearLayer & PrunableWeightLayer)]
    /// 1 for the token rows of `batch` whose statistics count (0 for padding).
    func tokenMask(_ batch: Batch) -> [Int]
    /// Called after the weights of block `i` were changed in place (pruned, or restored from a
    /// checkpoint): a model that streams its blocks keeps them; one held in memory does nothing.
    func blockChanged(_ i: Int) throws
}

extension BlockSequentialModel {
    public func blockChanged(_ i: Int) throws {}
}

extension BertModel: BlockSequentialModel {
    public var blockCount: Int { layers.count }
    public func blockPrefix(_ i: Int) -> String { "encoder.layer.\(i)." }
    public func embed(_ batch: TokenBatch) throws -> Tensor { try embed(tokens: batch) }
    public func runBlock(_ i: Int, _ h: Tensor, batch: TokenBatch, observer: LinearInputObserver?) throws -> Tensor {
        try runLayer(i, h, batch: batch, observer: observer)
    }
    public func linearLayers(ofBlock i: Int) -> [(path: String, layer: any LinearLayer & PrunableWeightLayer)] {
        layers[i].linearLayers
    }
    public func tokenMask(_ batch: TokenBatch) -> [Int] { batch.attentionMask }
}

/// Rows of token ids of one length: a decoder's calibration batch (no padding).
public struct TokenRows: Sendable {
    public var rows: [[Int]]
    public init(_ rows: [[Int]]) { self.rows = rows }
    public var tokenCount: Int { rows.reduce(0) { $0 + $1.count } }
}

extension LlamaModel: BlockSequentialModel {
    public var blockCount: Int { layers.count }
    public func blockPrefix(_ i: Int) -> String { "model.layers.\(i)." }
    public func embed(_ batch: TokenRows) throws -> Tensor { try embed(batch.rows) }
    public func runBlock(_ i: Int, _ h: Tensor, batch: TokenRows, observer: LinearInputObserver?) throws -> Tensor {
        try runBlock(i, h, cache: nil, observer: observer)
    }
    public func linearLayers(ofBlock i: Int) -> [(path: String, layer: any LinearLayer & PrunableWeightLayer)] {
        layers[i].linearLayers
    }
    public func tokenMask(_ batch: TokenRows) -> [Int] { [Int](repeating: 1, count: batch.tokenCount) }
}
