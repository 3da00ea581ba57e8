import PruneTensor
import PruneAutodiff
import PruneNN

/// A causal language model run block by block (``BlockSequentialModel`` on rows of token ids) with
/// an output head: what ``Perplexity`` evaluates. ``LlamaModel`` conforms (all blocks in memory);
/// a model that streams its blocks from disk conforms too and evaluates many windows per pass over
/// its blocks, so each block is read once per pass.
public protocol CausalBlockLanguageModel: BlockSequentialModel where Batch == TokenRows {
    var vocabularySize: Int { get }
    /// Final norm and output head: hidden states `[…, hidden]` → logits `[…, vocabulary]`.
    func logits(hidden: Tensor) throws -> Tensor
    /// Windows run together through each block (1: window by window, the whole model at once).
    var windowsPerPass: Int { get }
}

extension LlamaModel: CausalBlockLanguageModel {
    public var vocabularySize: Int { config.vocabularySize }
    public func logits(hidden: Tensor) throws -> Tensor { try withNoGrad { try logits(Variable(hidden)).value } }
    public var windowsPerPass: Int { 1 }
}
