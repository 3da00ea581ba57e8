import PruneTensor
import PruneAutodiff

/// A lookup table of `count` vectors of size `dimension`. Its input holds integer indices stored
/// as Float values; the output appends the dimension to the input's shape.
public final class Embedding: Module {
    public let weight: Parameter
    public var isTraining = true

    public init(_ count: Int, _ dimension: Int, rng: inout RandomGenerator) {
        weight = Parameter(.normal([count, dimension], using: &rng))
    }

    public init(weight: Tensor) { self.weight = Parameter(weight) }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("weight", weight)] }

    public func forward(_ x: Variable) throws -> Variable {
        let n = weight.shape[0]
        var indices = [Int](); indices.reserveCapacity(x.value.count)
        for v in x.value.scalars {
            guard v == v.rounded(), v >= 0, Int(v) < n else {
                throw TensorError.invalidArgument(op: "Embedding", reason: "index \(v) is not an integer in 0..<\(n)")
            }
            indices.append(Int(v))
        }
        return try Variable.embedding(weight.variable(), indices: indices, indexShape: x.shape)
    }

    public var summary: String { "Embedding(\(weight.shape[0]), \(weight.shape[1]))" }
}
