import PruneTensor

/// Batches of a ``LabeledImages`` set: seeded shuffling (a new order every epoch, the same for the
/// same seed and epoch), a batch size, and normalization (x − mean) / std.
public struct DataLoader: Sequence, Sendable {
    public let dataset: LabeledImages
    public let batchSize: Int
    public let shuffle: Bool
    public let seed: UInt64
    public var epoch: Int
    public let mean: Float
    public let std: Float
    public let dropLast: Bool

    public init(_ dataset: LabeledImages, batchSize: Int, shuffle: Bool = false, seed: UInt64 = 0, epoch: Int = 0,
                mean: Float = 0, std: Float = 1, dropLast: Bool = false) throws {
        guard batchSize > 0 else { throw TensorError.invalidArgument(op: "DataLoader",
                                                                     reason: "batch size must be positive, got \(batchSize)") }
        guard std > 0 else { throw TensorError.invalidArgument(op: "DataLoader", reason: "std must be positive") }
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = epoch
        self.mean = mean
        self.std = std
        self.dropLast = dropLast
    }

    /// Number of batches per epoch.
    public var batchCount: Int {
        dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    /// The example order of the current epoch.
    public func order() -> [Int] {
        var idx = Array(0..<dataset.count)
        if shuffle {
            var rng = RandomGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
            idx.shuffle(using: &rng)
        }
        return idx
    }

    public struct Iterator: IteratorProtocol {
        let loader: DataLoader
        let order: [Int]
        var position = 0

        public mutating func next() -> (images: Tensor, labels: [Int])? {
            let n = order.count
            guard position < n else { return nil }
            let end = Swift.min(position + loader.batchSize, n)
            if loader.dropLast && end - position < loader.batchSize { return nil }
            let rows = Array(order[position..<end])
            position = end
            let d = loader.dataset
            let per = d.images.count / Swift.max(d.count, 1)
            var out = [Float](repeating: 0, count: rows.count * per)
            let inv = 1 / loader.std, m = loader.mean
            d.images.scalars.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for (k, r) in rows.enumerated() {
                        for j in 0..<per { dst[k * per + j] = (src[r * per + j] - m) * inv }
                    }
                }
            }
            var shape = d.images.shape; shape[0] = rows.count
            return (Tensor(unchecked: shape, out), rows.map { d.labels[$0] })
        }
    }

    public func makeIterator() -> Iterator { Iterator(loader: self, order: order()) }
}
