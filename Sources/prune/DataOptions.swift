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

    func validate() throws {
        try OptionBounds.atLeast(batchSize, 1, "--batch-size")
        try OptionBounds.atLeast(trainLimit, 0, "--train-limit")
        try OptionBounds.atLeast(testLimit, 0, "--test-limit")
    }

    /// Fashion-MNIST's normalization constants (mean and std of the training pixels).
    static let mean = ImageDataSource.mean
    static let std = ImageDataSource.std

    /// The library's description of the same data.
    var source: ImageDataSource {
        var s = ImageDataSource()
        s.name = data; s.directory = dataDir; s.batchSize = batchSize; s.trainLimit = trainLimit; s.testLimit = testLimit
        return s
    }

    func load(_ split: FashionMNIST.Split) throws -> LabeledImages {
        do { return try source.load(split) } catch let e as JobError { throw CLIError(e.description) }
    }

    func loader(_ set: LabeledImages, shuffle: Bool, seed: UInt64, epoch: Int = 0) throws -> DataLoader {
        try source.loader(set, shuffle: shuffle, seed: seed, epoch: epoch)
    }
}
