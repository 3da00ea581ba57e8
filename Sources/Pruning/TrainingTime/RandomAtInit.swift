import PruneNN
import PruneTensor

/// Random pruning at initialization, the control every pruning-at-initialization paper compares with
/// (and the "static random sparse" baseline of dynamic sparse training): a uniformly random mask per
/// layer at the densities of an allocation (uniform unless one is given), from the seed.
public struct RandomAtInit: InitializationCriterion {
    public let name = "random"
    public var defaultAllocation: (any DensityAllocation)? { UniformDensity() }
    public init() {}

    public func scores(_ model: any Module, targets: [PruningTarget], data: InitializationData) throws -> [[Float]] {
        var rng = RandomGenerator(seed: data.seed ^ 0x5EED_A7_1D17)
        return targets.map { t in (0..<t.count).map { _ in Float.random(in: 0..<1, using: &rng) } }
    }
}
