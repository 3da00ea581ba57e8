import PruneNN
import PruneTensor
import PruneAutodiff

/// What a pruning-at-initialization criterion may look at: mini-batches of training data (SNIP and
/// GraSP use them; SynFlow only their shape), and a seed for random choices.
public struct InitializationData {
    public let batches: [(images: Tensor, labels: [Int])]
    public let seed: UInt64
    public init(batches: [(images: Tensor, labels: [Int])], seed: UInt64) {
        self.batches = batches; self.seed = seed
    }
    /// The shape of one example with a batch axis of 1 (`[1, 784]`, `[1, 1, 28, 28]`).
    public var exampleShape: [Int] { [1] + Array((batches.first?.images.shape ?? [1]).dropFirst()) }
}

/// A criterion that scores the weights of an untrained network (higher = keep). A new criterion is
/// one conforming type added to ``PruneAtInit/criteria``.
public protocol InitializationCriterion: Sendable {
    /// The name the CLI uses.
    var name: String { get }
    /// Score-and-mask rounds: 1, or SynFlow's 100 with the density d^(k/rounds) after round k.
    var rounds: Int { get }
    /// How the scores become masks when no allocation is asked for: nil for one global threshold
    /// (SNIP, GraSP, SynFlow), an allocation for per-layer masks (the random control).
    var defaultAllocation: (any DensityAllocation)? { get }
    /// Scores of every weight of `targets` (current masks applied), one list per target.
    func scores(_ model: any Module, targets: [PruningTarget], data: InitializationData) throws -> [[Float]]
    /// Checks the criterion's settings (default: nothing to check).
    func validate() throws
}

extension InitializationCriterion {
    public func validate() throws {}
    public var rounds: Int { 1 }
    public var defaultAllocation: (any DensityAllocation)? { nil }
}

/// Loss gradients of weights on mini-batches (means over batches), with logits divided by a temperature.
enum BatchGradients {
    static func mean(_ model: any Module, targets: [PruningTarget],
                     batches: [(images: Tensor, labels: [Int])], temperature: Float = 1) throws -> [[Float]] {
        guard !batches.isEmpty else {
            throw PruningError.invalidOption("pruning at initialization needs at least one batch of training data")
        }
        var sums = targets.map { [Float](repeating: 0, count: $0.count) }
        for batch in batches {
            model.zeroGrad()
            let logits = try model.forward(Variable(batch.images))
            try Loss.crossEntropy(temperature == 1 ? logits : logits / temperature, labels: batch.labels).backward()
            for (i, t) in targets.enumerated() {
                guard let g = t.parameter.grad else { continue }
                for j in sums[i].indices { sums[i][j] += g.scalars[j] }
            }
        }
        model.zeroGrad()
        let n = Float(batches.count)
        let means = sums.map { $0.map { $0 / n } }
        guard means.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw PruningError.invalidOption("the loss gradients at initialization are NaN or infinite")
        }
        return means
    }
}
