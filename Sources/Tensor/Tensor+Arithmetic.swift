import CDenseKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Binary arithmetic with broadcasting

extension Tensor {
    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try binaryOp(a, b, op: "add") { $0 + $1 } }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try binaryOp(a, b, op: "sub") { $0 - $1 } }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try binaryOp(a, b, op: "mul") { $0 * $1 } }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try binaryOp(a, b, op: "div") { $0 / $1 } }

    public static func + (a: Tensor, s: Float) -> Tensor { a.map { $0 + s } }
    public static func - (a: Tensor, s: Float) -> Tensor { a.map { $0 - s } }
    public static func * (a: Tensor, s: Float) -> Tensor { a.map { $0 * s } }
    public static func / (a: Tensor, s: Float) -> Tensor { a.map { $0 / s } }
    public static func + (s: Float, a: Tensor) -> Tensor { a.map { s + $0 } }
    public static func - (s: Float, a: Tensor) -> Tensor { a.map { s - $0 } }
    public static func * (s: Float, a: Tensor) -> Tensor { a.map { s * $0 } }
    public static func / (s: Float, a: Tensor) -> Tensor { a.map { s / $0 } }
    public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }

    /// Elementwise maximum of two broadcast operands (NaN if either is NaN, as in IEEE 754-2019 and PyTorch).
    public static func maximum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try binaryOp(a, b, op: "maximum") { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) }
    }

    /// Elementwise minimum of two broadcast operands (NaN if either is NaN).
    public static func minimum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try binaryOp(a, b, op: "minimum") { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) }
    }

    /// In-place `self += other` for equal shapes (used to accumulate gradients).
    public mutating func add(_ other: Tensor) throws {
        guard shape == other.shape else {
            throw TensorError.shapeMismatch(op: "add(inPlace)", shapes: [shape, other.shape],
                                            reason: "shapes must be equal")
        }
        scalars.withUnsafeMutableBufferPointer { p in
            other.scalars.withUnsafeBufferPointer { q in
                for i in 0..<p.count { p[i] += q[i] }
            }
        }
    }

    /// In-place `self += alpha * other` for equal shapes.
    public mutating func addScaled(_ other: Tensor, _ alpha: Float) {
        precondition(shape == other.shape, "addScaled: shapes \(shape) and \(other.shape) differ")
        scalars.withUnsafeMutableBufferPointer { p in
            other.scalars.withUnsafeBufferPointer { q in
                for i in 0..<p.count { p[i] += alpha * q[i] }
            }
        }
    }
}

// MARK: - Unary math

extension Tensor {
    /// Applies `f` to every scalar.
    @inline(__always)
    public func map(_ f: (Float) -> Float) -> Tensor {
        let n = count
        let out = [Float](unsafeUninitializedCapacity: n) { buf, filled in
            scalars.withUnsafeBufferPointer { p in
                for i in 0..<n { buf[i] = f(p[i]) }
            }
            filled = n
        }
        return Tensor(unchecked: shape, out)
    }

    public func exp() -> Tensor { map { Foundation_exp($0) } }
    public func log() -> Tensor { map { Foundation_log($0) } }
    public func sqrt() -> Tensor { map { $0.squareRoot() } }
    public func abs() -> Tensor { map { Swift.abs($0) } }
    public func sign() -> Tensor { map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } }
    /// max(0, x) with NaN kept (IEEE: a NaN input gives a NaN output, as in PyTorch); a C kernel,
    /// ``prune_relu_f32``, over the cores for large tensors.
    public func relu() -> Tensor { elementwise(prune_relu_f32) }

    /// x·scale[c] + shift[c] along axis 1 of `[N, C, …]` in one pass (a C kernel, over the cores when the
    /// tensor is large): batch normalization at inference with its statistics folded into `scale` and `shift`.
    public static func channelAffine(_ x: Tensor, scale: [Float], shift: [Float]) throws -> Tensor {
        try channelAffine(x, scale: scale, shift: shift, epilogue: OutputEpilogue([]))
    }

    /// ``channelAffine(_:scale:shift:)`` followed by `epilogue`, plane range by plane range over the cores
    /// (each range's planes in cache for the epilogue): the same values as the affine pass and then the
    /// epilogue's operations on the whole output.
    public static func channelAffine(_ x: Tensor, scale: [Float], shift: [Float],
                                     epilogue: OutputEpilogue) throws -> Tensor {
        guard x.rank >= 2, scale.count == x.shape[1], shift.count == x.shape[1] else {
            throw TensorError.shapeMismatch(op: "channelAffine", shapes: [x.shape, [scale.count], [shift.count]],
                                            reason: "needs [N, C, …] and one scale and shift per channel")
        }
        guard epilogue.accepts(outputShape: x.shape) else {
            throw TensorError.invalidArgument(op: "channelAffine", reason: "the epilogue does not fit \(x.shape)")
        }
        if x.count == 0 { return x }
        let channels = x.shape[1], inner = x.shape.dropFirst(2).reduce(1, *), planes = x.count / Swift.max(1, inner)
        let parts = x.count < 32_768 ? 1 : Swift.min(planes, 4 * ProcessInfoCores.count)
        let out = [Float](unsafeUninitializedCapacity: x.count) { buf, filled in
            x.scalars.withUnsafeBufferPointer { xp in
                scale.withUnsafeBufferPointer { sp in
                    shift.withUnsafeBufferPointer { tp in
                        nonisolated(unsafe) let xb = xp.baseAddress!, ob = buf.baseAddress!
                        nonisolated(unsafe) let sb = sp.baseAddress!, tb = tp.baseAddress!
                        runRangesOnPool(planes, parts: parts) { _, r in
                            // One call per run of channels within an image (not one per plane: [N, C] inputs
                            // have one value per plane).
                            var p = r.lowerBound
                            while p < r.upperBound {
                                let first = p % channels, count = Swift.min(channels - first, r.upperBound - p)
                                prune_channel_affine_f32(xb + p * inner, sb + first, tb + first, 1, Int64(count),
                                                         Int64(inner), ob + p * inner)
                                p += count
                            }
                            epilogue.apply(ob, planes: r, channelCount: channels, plane: inner)
                        }
                    }
                }
            }
            filled = x.count
        }
        return Tensor(unchecked: x.shape, out)
    }

    /// The gradient of ``relu()`` given its output `y`: g where y > 0, else 0 (over the cores for large tensors).
    public static func reluBackward(_ g: Tensor, output y: Tensor) throws -> Tensor {
        guard g.shape == y.shape else {
            throw TensorError.shapeMismatch(op: "relu backward", shapes: [g.shape, y.shape], reason: "shapes differ")
        }
        let out = [Float](unsafeUninitializedCapacity: g.count) { buf, filled in
            g.scalars.withUnsafeBufferPointer { gp in
                y.scalars.withUnsafeBufferPointer { yp in
                    nonisolated(unsafe) let gb = gp.baseAddress, yb = yp.baseAddress, db = buf.baseAddress
                    parallelChunks(gp.count, grain: 65_536) { r in
                        let at = r.lowerBound
                        prune_relu_backward_f32(gb.map { $0 + at }, yb.map { $0 + at }, db.map { $0 + at },
                                                Int64(r.count))
                    }
                }
            }
            filled = g.count
        }
        return Tensor(unchecked: g.shape, out)
    }
    /// tanh through the C kernel ``prune_tanh_f32`` (within 4 ulp of the exact value).
    public func tanh() -> Tensor { elementwise(prune_tanh_f32) }
    /// 1 / (1 + e^−x) through the C kernel ``prune_sigmoid_f32`` (within 2 ulp of ``sigmoid(_:)``).
    public func sigmoid() -> Tensor { elementwise(prune_sigmoid_f32) }
    public func square() -> Tensor { elementwise(prune_square_f32) }
    /// x^p; the exponents 2 and 3 as products (x·x, x·x·x), others through libm's powf.
    public func pow(_ p: Float) -> Tensor {
        if p == 2 { return square() }
        if p == 3 { return elementwise(prune_cube_f32) }
        return map { Foundation_pow($0, p) }
    }
    /// The exact GELU, x·Φ(x) with Φ the standard normal CDF (Hendrycks & Gimpel 2016), through the C
    /// kernel ``prune_gelu_f32`` (within 5e-7 relative of ``gelu(_:)``).
    public func gelu() -> Tensor { elementwise(prune_gelu_f32) }
    /// GELU's tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (Hendrycks & Gimpel 2016; GPT-2's
    /// activation), through the C kernel ``prune_gelu_tanh_f32``.
    public func geluTanh() -> Tensor { elementwise(prune_gelu_tanh_f32) }
    /// Error function, elementwise, through the C kernel ``prune_erf_f32`` (within 3e-7 relative of libm).
    public func erf() -> Tensor { elementwise(prune_erf_f32) }
    /// `kernel(x, y, n)` over the scalars, in chunks of 64 K split over the cores (elementwise, so the
    /// result does not depend on the split).
    private func elementwise(_ kernel: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int64) -> Void)
        -> Tensor {
        let out = [Float](unsafeUninitializedCapacity: count) { buf, filled in
            scalars.withUnsafeBufferPointer { p in
                nonisolated(unsafe) let src = p.baseAddress, dst = buf.baseAddress
                parallelChunks(p.count, grain: 65_536) { r in
                    kernel(src.map { $0 + r.lowerBound }, dst.map { $0 + r.lowerBound }, Int64(r.count))
                }
            }
            filled = count
        }
        return Tensor(unchecked: shape, out)
    }
    /// Values clamped to [low, high].
    public func clamped(_ low: Float, _ high: Float) -> Tensor { map { Swift.min(Swift.max($0, low), high) } }

    @inline(__always) public static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + Foundation_exp(-x)) : { let e = Foundation_exp(x); return e / (1 + e) }()
    }
    @inline(__always) public static func gelu(_ x: Float) -> Float {
        0.5 * x * (1 + Foundation_erf(x * 0.70710678118654752))
    }
    /// d/dx GELU(x) = Φ(x) + x·φ(x).
    @inline(__always) public static func geluDerivative(_ x: Float) -> Float {
        let cdf = 0.5 * (1 + Foundation_erf(x * 0.70710678118654752))
        let pdf = Foundation_exp(-0.5 * x * x) * 0.3989422804014327
        return cdf + x * pdf
    }
}

@inline(__always) public func Foundation_exp(_ x: Float) -> Float { expf(x) }
@inline(__always) public func Foundation_log(_ x: Float) -> Float { logf(x) }
@inline(__always) public func Foundation_tanh(_ x: Float) -> Float { tanhf(x) }
@inline(__always) public func Foundation_erf(_ x: Float) -> Float { erff(x) }
@inline(__always) public func Foundation_pow(_ x: Float, _ p: Float) -> Float { powf(x, p) }
