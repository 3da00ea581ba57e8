import PruneTensor

/// Unary math. Each gradient is written beside its op from the forward input or output.
extension Variable {
    /// Elementwise op whose derivative is a function of input x and output y; the backward pass
    /// is one fused loop g · f′(x, y).
    @inline(__always)
    func unary(_ out: Tensor, _ derivative: @escaping (Float, Float) -> Float) -> Variable {
        let x = value
        return Variable.record(out, [self]) { g in
            let n = x.count
            let d = [Float](unsafeUninitializedCapacity: n) { buf, filled in
                x.scalars.withUnsafeBufferPointer { xp in
                    out.scalars.withUnsafeBufferPointer { yp in
                        g.scalars.withUnsafeBufferPointer { gp in
                            for i in 0..<n { buf[i] = gp[i] * derivative(xp[i], yp[i]) }
                        }
                    }
                }
                filled = n
            }
            return [Tensor(unchecked: x.shape, d)]
        }
    }

    public func exp() -> Variable { unary(value.exp()) { _, y in y } }
    public func log() -> Variable { unary(value.log()) { x, _ in 1 / x } }
    public func sqrt() -> Variable { unary(value.sqrt()) { _, y in 0.5 / y } }
    public func abs() -> Variable { unary(value.abs()) { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) } }
    /// The sign; its gradient is zero almost everywhere.
    public func sign() -> Variable { unary(value.sign()) { _, _ in 0 } }
    public func relu() -> Variable {
        let out = value.relu()
        return Variable.record(out, [self]) { g in
            [try Tensor.reluBackward(g, output: out)]
        }
    }
    /// Leaky ReLU: x for x > 0, slope·x otherwise (Maas et al. 2013).
    public func leakyRelu(_ slope: Float = 0.01) -> Variable {
        unary(value.map { $0 > 0 ? $0 : slope * $0 }) { x, _ in x > 0 ? 1 : slope }
    }
    public func tanh() -> Variable { unary(value.tanh()) { _, y in 1 - y * y } }
    public func sigmoid() -> Variable { unary(value.sigmoid()) { _, y in y * (1 - y) } }
    /// Exact GELU, x·Φ(x) (Hendrycks & Gimpel 2016).
    public func gelu() -> Variable { unary(value.gelu()) { x, _ in Tensor.geluDerivative(x) } }
    /// GELU's tanh form (Hendrycks & Gimpel 2016), with t = tanh(u), u = √(2/π)·(x + 0.044715·x³):
    /// d/dx = (1 + t)/2 + x/2·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²).
    public func geluTanh() -> Variable {
        unary(value.geluTanh()) { x, _ in
            let c: Float = 0.7978845608028654, t = Foundation_tanh(c * (x + 0.044715 * x * x * x))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        }
    }
    public func erf() -> Variable {
        unary(value.erf()) { x, _ in 1.1283791670955126 * Foundation_exp(-x * x) }
    }
    public func square() -> Variable { unary(value.square()) { x, _ in 2 * x } }
    /// x^p for a constant exponent.
    public func pow(_ p: Float) -> Variable {
        if p == 2 { return square() }
        return unary(value.pow(p)) { x, _ in p * Foundation_pow(x, p - 1) }
    }
}
