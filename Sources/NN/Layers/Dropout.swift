import PruneTensor
import PruneAutodiff

/// Inverted dropout (Srivastava et al. 2014): active in training mode only, drawing its masks
/// from its own seeded generator so runs are reproducible.
public final class Dropout: Module, RandomizedLayer {
    public var probability: Float
    public var isTraining = true
    private var rng: RandomGenerator

    public var generator: RandomGenerator {
        get { rng }
        set { rng = newValue }
    }

    public init(_ probability: Float, seed: UInt64 = 0) {
        precondition((0..<1).contains(probability), "Dropout: probability \(probability) must be in [0, 1)")
        self.probability = probability
        self.rng = RandomGenerator(seed: seed)
    }

    public func forward(_ x: Variable) throws -> Variable {
        isTraining ? try x.dropout(probability, using: &rng) : x
    }

    public var summary: String { "Dropout(\(probability))" }
}
