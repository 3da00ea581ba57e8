import ArgumentParser
import Prune

/// Options shared by commands that read a data set.
struct DataOptions: ParsableArguments {
    @Option(help: "Data set (fashion-mnist).")
    var data: String = "fashion-mnist"

    @Option(help: "Folder with the data set's files (default: $PRUNE_FASHION_MNIST or /usr/share/datasets/fashion-mnist).")
    var dataDir: String?

    @Option(help: "Batch size.")
    var batchSize: Int = 64

    @Option(help: "Use only the first N training examples (0 = all).")
    var trainLimit: Int = 0

    @Option(help: "Use only the first N test examples (0 = all).")
    var testLimit: Int = 0

    /// Fashion-MNIST's normalization constants (mean and std of the training pixels).
    static let mean: Float = 0.2860
    static let std: Float = 0.3530

    func load(_ split: FashionMNIST.Split) throws -> LabeledImages {
        guard data == "fashion-mnist" else { throw CLIError("unknown data set '\(data)'; known: fashion-mnist") }
        var set = try FashionMNIST.load(split, directory: dataDir ?? FashionMNIST.defaultDirectory)
        let limit = split == .train ? trainLimit : testLimit
        if limit > 0 { set = try set.prefix(limit) }
        return set
    }

    func loader(_ set: LabeledImages, shuffle: Bool, seed: UInt64, epoch: Int = 0) throws -> DataLoader {
        try DataLoader(set, batchSize: batchSize, shuffle: shuffle, seed: seed, epoch: epoch, mean: Self.mean, std: Self.std)
    }
}
