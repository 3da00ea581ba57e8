import PruneTensor

/// The built-in models by the names the CLI and recipes use.
public enum ModelZoo {
    /// A built-in architecture.
    public struct Entry: Sendable {
        public let name: String
        public let description: String
        public let make: @Sendable (inout RandomGenerator) -> Sequential
    }

    public static let entries: [Entry] = [
        Entry(name: "lenet300", description: "LeNet-300-100 MLP (784-300-100-10)") { LeNet300.make(rng: &$0) },
        Entry(name: "lenet5", description: "LeNet-5-style CNN (conv16-conv32-fc128)") { LeNet5.make(rng: &$0) },
        Entry(name: "vgg-small", description: "VGG-style CNN with BatchNorm (32-32-64-64)") { VGGSmall.make(rng: &$0) },
        Entry(name: "resnet-small",
              description: "ResNet with three basic-block stages (16-32-64)") { ResNetSmall.make(rng: &$0) },
    ]

    /// The model named `name`, initialized from `seed`; an error lists the known names otherwise.
    public static func make(_ name: String, seed: UInt64) throws -> Sequential {
        guard let e = entries.first(where: { $0.name == name }) else {
            throw TensorError.invalidArgument(op: "model",
                                              reason: "unknown model '\(name)'; known: \(entries.map(\.name).joined(separator: ", "))")
        }
        var rng = RandomGenerator(seed: seed)
        return e.make(&rng)
    }
}
