import PruneTensor
import PruneAutodiff

/// The keys and values of the positions a decoder block has already seen, `[batch, kvHeads,
/// positions, headSize]`, so that generating a token runs attention for that token only.
public final class KeyValueCache {
    public private(set) var keys: Tensor?
    public private(set) var values: Tensor?

    public init() {}

    /// Positions cached so far.
    public var length: Int { keys?.shape[2] ?? 0 }

    /// Appends the new positions' keys and values; returns all of them.
    func append(keys k: Variable, values v: Variable) throws -> (Variable, Variable) {
        if let keys, let values {
            self.keys = try Tensor.concat([keys, k.value], axis: 2)
            self.values = try Tensor.concat([values, v.value], axis: 2)
        } else {
            keys = k.value; values = v.value
        }
        return (Variable(keys!), Variable(values!))
    }
}
