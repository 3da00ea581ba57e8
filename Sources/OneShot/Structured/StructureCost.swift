import Foundation
import PruneNN

/// What a structured decoder target counts: the allocation removes a fraction of this cost, and the
/// relative-error ranking divides each structure's error by the cost it saves. A cost is linear in
/// the projection weights and the query heads a structure removes (a query head's attention work —
/// scores and weighted values over the context — has no weights of its own).
public protocol StructureCost: Sendable {
    /// What the target is a fraction of, for reports and errors.
    var name: String { get }
    /// The cost of `weights` projection weights and `queryHeads` query heads of size `headSize`.
    func cost(weights: Int, queryHeads: Int, headSize: Int) -> Int
}

extension StructureCost {
    /// The cost of a whole block of `shape`.
    public func cost(of shape: LlamaLayerShape, hidden: Int, headSize: Int) -> Int {
        cost(weights: shape.projectionWeights(hidden: hidden, headSize: headSize), queryHeads: shape.headCount,
             headSize: headSize)
    }

    /// The cost of every block of `model` as it is now.
    public func total(_ model: LlamaModel) -> Int {
        model.layerShapes.reduce(0) {
            $0 + cost(of: $1, hidden: model.config.hiddenSize, headSize: model.config.headSize)
        }
    }
}

/// The blocks' projection weights (the non-embedding parameters, norms aside): the default target.
public struct BlockWeightCost: StructureCost {
    public init() {}
    public var name: String { "block weights" }
    public func cost(weights: Int, queryHeads: Int, headSize: Int) -> Int { weights }
}

/// Floating-point operations per generated token in the blocks at a given context length: two per
/// projection weight (a multiply-add) and, per query head, 2·d·c for the scores q·kᵀ over `context`
/// cached positions and 2·d·c for the weighted sum of values (Kaplan et al. 2020 count 2 per weight
/// and one attention term; both products are counted here). Removing query heads saves more here than
/// in weights at long contexts.
public struct DecodingFLOPsCost: StructureCost {
    /// Positions attended to per generated token (the mean context of the decoding one targets).
    public var context: Int

    public init(context: Int) { self.context = context }

    public var name: String { "decoding FLOPs at context \(context)" }

    public func cost(weights: Int, queryHeads: Int, headSize: Int) -> Int {
        2 * weights + 4 * headSize * context * queryHeads
    }
}
