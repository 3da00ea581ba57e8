/// A ``DensityAllocation`` as a pruning scope's distribution (`--allocation erk`): each layer's sparsity
/// is the allocation's at the current overall target, so an iterative or AGP schedule keeps the shape of
/// the allocation at every step. Held by name (checked when made), so scopes stay plain values.
public struct AllocationRule: Sendable, Equatable {
    /// The allocation's name, lowercased (uniform, er, erk, owl).
    public let name: String

    /// The rule called `name`; an unknown name is an error listing the known ones.
    public init(named name: String) throws {
        self.name = try DensityAllocations.named(name).name
    }

    /// The allocation itself.
    public var allocation: any DensityAllocation {
        get throws { try DensityAllocations.named(name) }
    }
}
