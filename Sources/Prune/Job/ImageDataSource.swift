/// Where a job reads its images: Fashion-MNIST from a folder, optionally cut to its first examples.
public struct ImageDataSource: Sendable {
    /// Data set name (fashion-mnist is the one built in).
    public var name = "fashion-mnist"
    /// Folder with the data set's files (nil: $PRUNE_FASHION_MNIST or /usr/share/datasets/fashion-mnist).
    public var directory: String?
    public var batchSize = 64
    /// Use only the first N examples (0 = all).
    public var trainLimit = 0
    public var testLimit = 0

    public init() {}

    /// Fashion-MNIST's normalization constants (mean and std of the training pixels).
    public static let mean: Float = 0.2860
    public static let std: Float = 0.3530

    /// One split, cut to its limit.
    public func load(_ split: FashionMNIST.Split) throws -> LabeledImages {
        guard name == "fashion-mnist" else { throw JobError("unknown data set '\(name)'; known: fashion-mnist") }
        var set = try FashionMNIST.load(split, directory: directory ?? FashionMNIST.defaultDirectory)
        let limit = split == .train ? trainLimit : testLimit
        if limit > 0 { set = try set.prefix(limit) }
        return set
    }

    /// Normalized batches of `set`.
    public func loader(_ set: LabeledImages, shuffle: Bool, seed: UInt64, epoch: Int = 0) throws -> DataLoader {
        try DataLoader(set, batchSize: batchSize, shuffle: shuffle, seed: seed, epoch: epoch, mean: Self.mean,
                       std: Self.std)
    }
}
