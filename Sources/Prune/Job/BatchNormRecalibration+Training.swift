extension BatchNormRecalibration {
    /// The first `batches` batches of 64 of a shuffled, normalized loader over `data`.
    init(_ data: LabeledImages, normalization: (mean: Float, std: Float), batches: Int, seed: UInt64) throws {
        let loader = try DataLoader(data, batchSize: 64, shuffle: true, seed: seed, mean: normalization.mean,
                                    std: normalization.std)
        self.init(batches: Array(loader.prefix(batches).map(\.images)))
    }
}
