import PruneTensor
import PruneNN

/// A Llama model streamed block by block from its checkpoint, as SparseGPT (Frantar & Alistarh
/// 2023) and Wanda (Sun et al. 2024) run LLMs that do not fit in memory: the embedding, final norm
/// and output head are held; block i is decoded from the memory-mapped checkpoint when it is
/// needed and dropped when another block is; a block whose weights were changed (pruned) is written
/// to a ``TensorSpillFile`` by ``saveBlock(_:)`` and read from there afterwards. So one block's
/// Float32 weights are in memory at a time instead of the whole model.
public final class StreamedLlamaModel {
    public let source: LlamaSource
    /// The embedding, final norm and output head, in a model without blocks.
    public let shell: LlamaModel
    private var resident: (index: Int, block: LlamaBlock)?
    private let spill: TensorSpillFile
    private var spilled: Set<Int> = []

    public init(_ source: LlamaSource) throws {
        self.source = source
        shell = try source.reader.model(blocks: [])
        spill = try TensorSpillFile()
    }

    public var config: LlamaConfig { source.config }
    public var blockCount: Int { config.layerCount }

    /// Block `i`: the one in memory, or read (from the spill file when saved, else the checkpoint),
    /// replacing the one in memory.
    public func block(_ i: Int) throws -> LlamaBlock {
        if let r = resident, r.index == i { return r.block }
        resident = nil  // drop the previous block before decoding the next
        let b = try load(i)
        resident = (i, b)
        return b
    }

    private func load(_ i: Int) throws -> LlamaBlock {
        guard spilled.contains(i) else { return try source.block(i) }
        let spill = self.spill
        return try LlamaTensorReader(config: config, file: source.path) { try spill.read($0) }.block(i)
    }

    /// Keeps block `i`'s current weights (their effective, masked values) for every later read.
    public func saveBlock(_ i: Int) throws {
        let b = try block(i)
        for (path, p) in b.parameters() { try spill.write("model.layers.\(i)." + path, p.effectiveValue) }
        spilled.insert(i)
    }

    /// Bytes of pruned blocks on disk.
    public var spilledBytes: Int { spill.byteCount }

    /// The whole model in memory, with the saved blocks' weights.
    public func materialize() throws -> LlamaModel {
        resident = nil
        let blocks = try (0..<blockCount).map { try load($0) }
        return LlamaModel(config: config, embedding: shell.embedding, layers: blocks, norm: shell.norm,
                          head: shell.head)
    }

    public var summary: String {
        LlamaModel.summary(config, blocks: blockCount) + ", streamed block by block"
    }
}
