import PruneTensor

/// Updates parameters from their gradients. Masked parameters stay masked: gradients arrive
/// masked, and every step re-applies the mask to the value and to the optimizer's state.
public protocol Optimizer: AnyObject {
    /// The parameters this optimizer updates.
    var parameters: [Parameter] { get }
    /// The learning rate used by the next step.
    var learningRate: Float { get set }
    /// One update from the current gradients.
    func step()
    /// The optimizer's state (moment buffers, step count) by name, so a checkpoint can hold it.
    func stateTensors() -> [String: Tensor]
    /// Restores a state ``stateTensors()`` returned for the same parameters.
    func loadState(_ state: [String: Tensor]) throws
}

/// Optimizer state buffers (one optional tensor per parameter) to and from named tensors.
enum OptimizerBuffers {
    static func export(_ buffers: [Tensor?], prefix: String, into state: inout [String: Tensor]) {
        for (i, b) in buffers.enumerated() { if let b { state["\(prefix).\(i)"] = b } }
    }

    static func load(_ state: [String: Tensor], prefix: String, parameters: [Parameter]) throws -> [Tensor?] {
        try parameters.enumerated().map { i, p in
            guard let t = state["\(prefix).\(i)"] else { return nil }
            guard t.shape == p.shape else {
                throw TensorError.shapeMismatch(op: "optimizer state", shapes: [t.shape, p.shape],
                                                reason: "\(prefix).\(i) does not fit its parameter")
            }
            return t
        }
    }
}

extension Optimizer {
    /// Clears the gradients of every parameter.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}

/// Re-applies a parameter's mask to a tensor of its shape (not when its pruned weights keep training).
@inline(__always)
func applyMask(_ p: Parameter, _ t: inout Tensor) {
    guard let m = p.mask, !p.updatesPrunedWeights else { return }
    t.scalars.withUnsafeMutableBufferPointer { tp in
        m.scalars.withUnsafeBufferPointer { mp in for i in 0..<tp.count { tp[i] *= mp[i] } }
    }
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters { if let g = p.grad { for v in g.scalars { total += Double(v * v) } } }
    let norm = Float(total.squareRoot())
    if norm > maxNorm && norm > 0 {
        let s = maxNorm / (norm + 1e-6)
        for p in parameters { if let g = p.grad { p.grad = g * s } }
    }
    return norm
}
