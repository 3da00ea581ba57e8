import PruneTensor

/// Which output positions of a layer the reconstruction methods read in one calibration batch: all of
/// them when there are at most `perBatch`, else `perBatch` distinct ones drawn by a generator seeded by
/// the seed, the layer's path and the batch's index (ThiNet samples random locations the same way). Two
/// passes over the same batches thus read the same positions, in the dense and in the pruned model.
public struct PatchSampler: Sendable {
    public let perBatch: Int
    public let seed: UInt64

    public init(perBatch: Int, seed: UInt64) { self.perBatch = max(perBatch, 1); self.seed = seed }

    /// Sorted positions out of `count` for this layer and batch.
    public func positions(count: Int, layerPath: String, batch: Int) -> [Int] {
        guard count > perBatch else { return Array(0..<count) }
        var rng = RandomGenerator(seed: seed ^ Self.stableHash(layerPath) &+ UInt64(batch) &* 0x9E37_79B9_7F4A_7C15)
        var pool = Array(0..<count)
        for i in 0..<perBatch { pool.swapAt(i, i + rng.nextInt(below: count - i)) }
        return pool[0..<perBatch].sorted()
    }

    /// The patches at this batch's positions, row-major `[rows × fanIn]`.
    public func patches(_ layer: any PatchwiseLayer, input: Tensor, layerPath: String,
                        batch: Int) throws -> (rows: Int, values: [Float]) {
        let chosen = positions(count: try layer.patchCount(of: input), layerPath: layerPath, batch: batch)
        let width = PruningTarget(layer: layer, at: layerPath).fanIn
        var values = [Float](repeating: 0, count: chosen.count * width)
        for (row, p) in chosen.enumerated() { layer.writePatch(p, of: input, into: &values, at: row * width) }
        return (chosen.count, values)
    }

    /// FNV-1a of the UTF-8 bytes: the same in every process (Swift's `hashValue` is not).
    static func stableHash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
