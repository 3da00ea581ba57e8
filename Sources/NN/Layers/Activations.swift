import PruneTensor
import PruneAutodiff

/// Rectified linear unit, max(0, x) (Nair & Hinton 2010).
public final class ReLU: Module {
    public var isTraining = true
    public init() {}
    public func forward(_ x: Variable) throws -> Variable { x.relu() }
}

/// Leaky ReLU with a negative slope.
public final class LeakyReLU: Module {
    public var isTraining = true
    public let slope: Float
    public init(slope: Float = 0.01) { self.slope = slope }
    public func forward(_ x: Variable) throws -> Variable { x.leakyRelu(slope) }
}

/// Exact GELU (Hendrycks & Gimpel 2016).
public final class GELU: Module {
    public var isTraining = true
    public init() {}
    public func forward(_ x: Variable) throws -> Variable { x.gelu() }
}

/// Hyperbolic tangent.
public final class Tanh: Module {
    public var isTraining = true
    public init() {}
    public func forward(_ x: Variable) throws -> Variable { x.tanh() }
}

/// Logistic sigmoid.
public final class Sigmoid: Module {
    public var isTraining = true
    public init() {}
    public func forward(_ x: Variable) throws -> Variable { x.sigmoid() }
}

/// Flattens every axis after the first: `[N, …]` → `[N, ∏…]`.
public final class Flatten: Module {
    public var isTraining = true
    public init() {}
    public func forward(_ x: Variable) throws -> Variable { try x.flattened(from: 1) }
}
