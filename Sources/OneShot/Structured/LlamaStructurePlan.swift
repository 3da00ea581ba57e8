import PruneNN

/// Which structures of a Llama decoder to remove, in the original numbering: whole blocks, and
/// for each block the key/value groups and query heads and the SwiGLU units that stay.
public struct LlamaStructurePlan: Sendable {
    public var removedBlocks: [Int]
    /// [block] kept groups (ignored for removed blocks).
    public var keptGroups: [[KeptHeadGroup]]
    /// [block] kept units, ascending.
    public var keptUnits: [[Int]]
    /// The ranked spread's bound this plan met (``LlamaStructureAllocator/blockExcess``, raised when the
    /// structures' granularity could not reach the target under the asked-for one); nil when unbounded.
    public var blockExcess: Double?

    /// Projection weights this plan keeps, for hidden size `hidden` and head size `headSize`.
    public func keptWeights(hidden: Int, headSize: Int) -> Int {
        keptShapes.enumerated().reduce(0) { sum, item in
            removedBlocks.contains(item.offset) ? sum : sum + item.element.projectionWeights(hidden: hidden,
                                                                                              headSize: headSize)
        }
    }

    /// The shape each block would have (removed blocks included, as if kept).
    public var keptShapes: [LlamaLayerShape] {
        zip(keptGroups, keptUnits).map { groups, units in
            LlamaLayerShape(headCount: groups.reduce(0) { $0 + $1.queryHeads.count },
                            keyValueHeadCount: groups.count, intermediateSize: units.count)
        }
    }
}
