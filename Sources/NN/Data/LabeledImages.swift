import PruneTensor

/// A labelled example set: images `[N, C, H, W]` scaled to [0, 1] (or any inputs `[N, …]`, such as
/// token features for an imported transformer), and one class label per example.
public struct LabeledImages: Sendable {
    public var images: Tensor
    public var labels: [Int]
    public let classes: Int

    public init(images: Tensor, labels: [Int], classes: Int) throws {
        guard images.rank >= 2, images.shape[0] == labels.count else {
            throw TensorError.shapeMismatch(op: "LabeledImages", shapes: [images.shape, [labels.count]],
                                            reason: "need [N, …] examples and N labels")
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw TensorError.shapeMismatch(op: "LabeledImages", shapes: [[bad], [classes]],
                                            reason: "label \(bad) is not a class in 0..<\(classes)")
        }
        self.images = images
        self.labels = labels
        self.classes = classes
    }

    public var count: Int { labels.count }

    /// The first `n` examples.
    public func prefix(_ n: Int) throws -> LabeledImages {
        let k = Swift.min(n, count)
        return try LabeledImages(images: images.slice(axis: 0, start: 0, end: k), labels: Array(labels[0..<k]),
                                 classes: classes)
    }

    /// Per-channel mean and standard deviation over the whole set.
    public func channelStatistics() throws -> (mean: Float, std: Float) {
        let m = try images.mean().item
        let v = try images.variance().item
        return (m, v.squareRoot())
    }
}
