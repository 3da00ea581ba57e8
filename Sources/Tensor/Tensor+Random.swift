/// Random creation and the standard weight initializations, all from a seeded ``RandomGenerator``.
extension Tensor {
    /// Independent uniform values in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               using rng: inout RandomGenerator) -> Tensor {
        let n = count(of: shape)
        var s = [Float](repeating: 0, count: n)
        for i in 0..<n { s[i] = low + (high - low) * rng.nextUniform() }
        return Tensor(unchecked: shape, s)
    }

    /// Independent normal values with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                              using rng: inout RandomGenerator) -> Tensor {
        let n = count(of: shape)
        var s = [Float](repeating: 0, count: n)
        for i in 0..<n { s[i] = mean + std * rng.nextNormal() }
        return Tensor(unchecked: shape, s)
    }

    /// Independent standard logistic values, log(u/(1 − u)) with u ~ U(0, 1) (the difference of two Gumbel
    /// variables): two 24-bit uniforms from each 64 random bits, centred in their bins so u is never 0 or 1.
    public static func logistic(_ shape: [Int], using rng: inout RandomGenerator) -> Tensor {
        let n = count(of: shape), scale = 1 / Float(1 << 24)
        var s = [Float](repeating: 0, count: n)
        var i = 0
        while i < n {
            let bits = rng.next()
            for half in 0..<Swift.min(2, n - i) {
                let u = (Float((bits >> (40 - 24 * UInt64(half))) & 0xFF_FFFF) + 0.5) * scale
                s[i + half] = Foundation_log(u / (1 - u))
            }
            i += 2
        }
        return Tensor(unchecked: shape, s)
    }

    /// Fan-in and fan-out of a weight shape: `[out, in]` or `[out, in, kh, kw]` (PyTorch's convention).
    public static func fans(of shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        guard shape.count >= 2 else { return (shape.first ?? 1, shape.first ?? 1) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Kaiming (He) uniform initialization for ReLU networks: U(−b, b), b = gain·√(3 / fan_in).
    /// He et al., "Delving Deep into Rectifiers", ICCV 2015. `a` is the negative slope of a leaky ReLU;
    /// `a = √5` gives PyTorch's default for Linear and Conv2d weights.
    public static func kaimingUniform(_ shape: [Int], a: Float = 0, using rng: inout RandomGenerator) -> Tensor {
        let gain = (2.0 / (1 + a * a)).squareRoot()
        let bound = gain * (3.0 / Float(fans(of: shape).fanIn)).squareRoot()
        return uniform(shape, low: -bound, high: bound, using: &rng)
    }

    /// Kaiming (He) normal initialization: N(0, gain² / fan_in).
    public static func kaimingNormal(_ shape: [Int], a: Float = 0, using rng: inout RandomGenerator) -> Tensor {
        let gain = (2.0 / (1 + a * a)).squareRoot()
        return normal(shape, std: gain / Float(fans(of: shape).fanIn).squareRoot(), using: &rng)
    }

    /// Xavier (Glorot) uniform initialization: U(−b, b), b = √(6 / (fan_in + fan_out)).
    /// Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural networks", 2010.
    public static func xavierUniform(_ shape: [Int], using rng: inout RandomGenerator) -> Tensor {
        let f = fans(of: shape)
        let bound = (6.0 / Float(f.fanIn + f.fanOut)).squareRoot()
        return uniform(shape, low: -bound, high: bound, using: &rng)
    }

    /// Xavier (Glorot) normal initialization: N(0, 2 / (fan_in + fan_out)).
    public static func xavierNormal(_ shape: [Int], using rng: inout RandomGenerator) -> Tensor {
        let f = fans(of: shape)
        return normal(shape, std: (2.0 / Float(f.fanIn + f.fanOut)).squareRoot(), using: &rng)
    }
}
