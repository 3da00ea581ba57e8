import PruneTensor

/// Elementwise arithmetic with broadcasting. The gradient of a broadcast operand is summed back
/// to its own shape.
extension Variable {
    public static func + (a: Variable, b: Variable) throws -> Variable {
        let out = try a.value + b.value
        let sa = a.shape, sb = b.shape
        return record(out, [a, b]) { g in [try g.sum(toShape: sa), try g.sum(toShape: sb)] }
    }

    public static func - (a: Variable, b: Variable) throws -> Variable {
        let out = try a.value - b.value
        let sa = a.shape, sb = b.shape
        return record(out, [a, b]) { g in [try g.sum(toShape: sa), try (-g).sum(toShape: sb)] }
    }

    public static func * (a: Variable, b: Variable) throws -> Variable {
        let out = try a.value * b.value
        let av = a.value, bv = b.value
        let needA = a.requiresGrad, needB = b.requiresGrad
        return record(out, [a, b]) { g in
            [needA ? try (g * bv).sum(toShape: av.shape) : nil,
             needB ? try (g * av).sum(toShape: bv.shape) : nil]
        }
    }

    public static func / (a: Variable, b: Variable) throws -> Variable {
        let out = try a.value / b.value
        let av = a.value, bv = b.value
        let needA = a.requiresGrad, needB = b.requiresGrad
        return record(out, [a, b]) { g in
            [needA ? try (g / bv).sum(toShape: av.shape) : nil,
             needB ? try (-(try g * out) / bv).sum(toShape: bv.shape) : nil]
        }
    }

    public static func + (a: Variable, s: Float) -> Variable { record(a.value + s, [a]) { g in [g] } }
    public static func - (a: Variable, s: Float) -> Variable { record(a.value - s, [a]) { g in [g] } }
    public static func * (a: Variable, s: Float) -> Variable { record(a.value * s, [a]) { g in [g * s] } }
    public static func / (a: Variable, s: Float) -> Variable { record(a.value / s, [a]) { g in [g / s] } }
    public static func + (s: Float, a: Variable) -> Variable { a + s }
    public static func * (s: Float, a: Variable) -> Variable { a * s }
    public static func - (s: Float, a: Variable) -> Variable { record(s - a.value, [a]) { g in [-g] } }
    public static prefix func - (a: Variable) -> Variable { record(-a.value, [a]) { g in [-g] } }

    /// Elementwise maximum; the gradient goes to the larger operand (to `a` on ties).
    public static func maximum(_ a: Variable, _ b: Variable) throws -> Variable {
        let out = try Tensor.maximum(a.value, b.value)
        let av = a.value, bv = b.value
        return record(out, [a, b]) { g in
            let pickA = try Tensor.binaryOp(av, bv, op: "maximum") { $0 >= $1 ? 1 : 0 }
            return [try (g * pickA).sum(toShape: av.shape), try (g * (1 - pickA)).sum(toShape: bv.shape)]
        }
    }
}
