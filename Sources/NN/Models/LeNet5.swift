import PruneTensor

/// A LeNet-5-style CNN for 28×28 grey images (LeCun et al. 1998), widened for Fashion-MNIST:
/// conv 5×5 (16) → ReLU → max-pool → conv 5×5 (32) → ReLU → max-pool → FC 128 → ReLU → FC 10.
public enum LeNet5 {
    public static func make(inChannels: Int = 1, classes: Int = 10, rng: inout RandomGenerator) -> Sequential {
        let features = Sequential([
            Conv2d(inChannels, 16, kernel: 5, padding: 2, rng: &rng), ReLU(), MaxPool2d(kernel: 2),
            Conv2d(16, 32, kernel: 5, padding: 2, rng: &rng), ReLU(), MaxPool2d(kernel: 2),
        ])
        let classifier = Sequential([
            Flatten(), Linear(32 * 7 * 7, 128, rng: &rng), ReLU(), Linear(128, classes, rng: &rng),
        ])
        return Sequential(named: [("features", features), ("classifier", classifier)])
    }
}
