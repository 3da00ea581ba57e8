import PruneTensor

/// A node of the reverse-mode tape: a value, and — when it was computed from variables that need
/// gradients — its parents and the vector-Jacobian product that maps its gradient to theirs.
///
/// The tape is implicit: each result keeps its parents, and ``backward(_:)`` sorts the graph
/// topologically and runs one reversed loop (as in micrograd). Leaves that `requiresGrad`
/// receive their gradient in ``grad``, or hand it to a sink (how `Parameter`s collect theirs).
public final class Variable {
    /// The computed value.
    public let value: Tensor
    /// The accumulated gradient of a leaf after ``backward(_:)``.
    public var grad: Tensor?
    /// True when a gradient flows to or through this node.
    public let requiresGrad: Bool
    /// The inputs this node was computed from (empty for leaves and constants).
    let parents: [Variable]
    /// Maps this node's output gradient to one gradient per parent (nil where none is needed).
    let vjp: ((Tensor) throws -> [Tensor?])?
    /// Where a leaf hands its gradient instead of storing it in ``grad``.
    let gradientSink: ((Tensor) throws -> Void)?

    /// A leaf: a constant when `requiresGrad` is false, an input to differentiate otherwise.
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.parents = []
        self.vjp = nil
        self.gradientSink = nil
    }

    /// A leaf whose gradient is handed to `sink` (used by parameters, which mask and accumulate it).
    public init(_ value: Tensor, gradientSink: @escaping (Tensor) throws -> Void) {
        self.value = value
        self.requiresGrad = GradMode.isEnabled
        self.parents = []
        self.vjp = nil
        self.gradientSink = gradientSink
    }

    init(value: Tensor, parents: [Variable], vjp: @escaping (Tensor) throws -> [Tensor?]) {
        self.value = value
        self.requiresGrad = true
        self.parents = parents
        self.vjp = vjp
        self.gradientSink = nil
    }

    /// The result of an operation: recorded on the tape only when recording is on and a parent
    /// needs a gradient. `vjp` receives the output gradient and returns one gradient per parent.
    public static func record(_ value: Tensor, _ parents: [Variable],
                              _ vjp: @escaping (Tensor) throws -> [Tensor?]) -> Variable {
        if GradMode.isEnabled && parents.contains(where: { $0.requiresGrad }) {
            return Variable(value: value, parents: parents, vjp: vjp)
        }
        return Variable(value)
    }

    /// The value's shape.
    public var shape: [Int] { value.shape }
    /// A constant holding the same value, cut off from the tape.
    public var detached: Variable { Variable(value) }
}

extension Variable: CustomStringConvertible {
    public var description: String { "Variable(\(value)\(requiresGrad ? ", requiresGrad" : ""))" }
}
