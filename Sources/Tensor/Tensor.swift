/// A dense, row-major, Float32 tensor of any rank.
///
/// `Tensor` is a value type: its scalars live in a Swift array, which is copied only when a shared
/// copy is written (copy-on-write). Operations whose shapes can disagree `throw` a ``TensorError``
/// that names the operation and the shapes.
public struct Tensor: Sendable, Equatable {
    /// The extent of each axis, outermost first.
    public internal(set) var shape: [Int]
    /// The scalars in row-major order; `scalars.count == shape.product`.
    public var scalars: [Float]

    /// Creates a tensor from its shape and row-major scalars.
    public init(shape: [Int], scalars: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "Tensor.init", reason: "negative extent in shape \(shape)")
        }
        guard Tensor.count(of: shape) == scalars.count else {
            throw TensorError.shapeMismatch(op: "Tensor.init", shapes: [shape, [scalars.count]],
                                            reason: "shape holds \(Tensor.count(of: shape)) scalars, \(scalars.count) given")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor without checking that shape and scalars agree (callers guarantee it).
    public init(unchecked shape: [Int], _ scalars: [Float]) {
        self.shape = shape
        self.scalars = scalars
    }

    /// A rank-0 tensor holding one value.
    public init(_ value: Float) {
        self.init(unchecked: [], [value])
    }

    /// A rank-1 tensor from an array.
    public init(_ values: [Float]) {
        self.init(unchecked: [values.count], values)
    }

    /// The number of scalars a shape holds.
    @inlinable
    public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The number of scalars.
    @inlinable public var count: Int { scalars.count }
    /// The number of axes.
    @inlinable public var rank: Int { shape.count }

    /// The single value of a tensor with one scalar.
    public var item: Float {
        precondition(scalars.count == 1, "item: tensor of shape \(shape) holds \(scalars.count) scalars, not 1")
        return scalars[0]
    }

    /// Row-major strides of a shape.
    @inlinable
    public static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }

    /// The scalar at a multi-index.
    public subscript(index: Int...) -> Float {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "subscript: \(index.count) indices for rank \(shape.count)")
        var flat = 0
        for (i, v) in index.enumerated() {
            precondition(v >= 0 && v < shape[i], "subscript: index \(v) out of range 0..<\(shape[i]) on axis \(i)")
            flat = flat * shape[i] + v
        }
        return flat
    }

    /// Normalizes a possibly negative axis for a given rank.
    @inlinable
    public static func normalize(axis: Int, rank: Int, op: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < Swift.max(rank, 1) else {
            throw TensorError.invalidArgument(op: op, reason: "axis \(axis) out of range for rank \(rank)")
        }
        return a
    }

    /// True when every scalar is finite (no NaN or infinity).
    public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }
}

// MARK: - Creation

extension Tensor {
    /// A tensor filled with `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(unchecked: shape, [Float](repeating: value, count: count(of: shape)))
    }
    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }
    /// `[start, start + step, …)` up to (not including) `end`.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange: step is zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<n).map { start + Float($0) * step })
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(scalars.count > 8 ? ", …" : "")])"
    }
}
