import PruneTensor

/// A small VGG-style CNN (Simonyan & Zisserman 2015): two blocks of two 3×3 conv + BatchNorm + ReLU
/// layers, each block followed by 2×2 max-pooling, then a two-layer classifier. For 28×28 inputs.
public enum VGGSmall {
    public static func make(inChannels: Int = 1, classes: Int = 10, width: Int = 32,
                            rng: inout RandomGenerator) -> Sequential {
        func block(_ cin: Int, _ cout: Int, _ rng: inout RandomGenerator) -> [any Module] {
            [Conv2d(cin, cout, kernel: 3, padding: 1, bias: false, rng: &rng), BatchNorm(cout), ReLU()]
        }
        var layers: [any Module] = []
        layers += block(inChannels, width, &rng)
        layers += block(width, width, &rng)
        layers.append(MaxPool2d(kernel: 2))
        layers += block(width, 2 * width, &rng)
        layers += block(2 * width, 2 * width, &rng)
        layers.append(MaxPool2d(kernel: 2))
        let classifier = Sequential([
            Flatten(), Linear(2 * width * 7 * 7, 128, rng: &rng), ReLU(), Dropout(0.25, seed: 1),
            Linear(128, classes, rng: &rng),
        ])
        return Sequential(named: [("features", Sequential(layers)), ("classifier", classifier)])
    }
}
