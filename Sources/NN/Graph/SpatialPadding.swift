import PruneAutodiff
import PruneTensor

/// Explicit padding of the last two axes before a convolution or pooling window: fixed pads
/// (top, left, bottom, right; possibly asymmetric) or ONNX's `SAME_UPPER` / `SAME_LOWER`, whose
/// pads depend on the input size (output = ⌈input / stride⌉, the odd one at the end or start).
public struct SpatialPadding: Sendable {
    public let pads: [Int]
    public let autoPad: String?
    public let kernel: (h: Int, w: Int), stride: (h: Int, w: Int), dilation: (h: Int, w: Int)

    public init(pads: [Int], autoPad: String? = nil, kernel: (h: Int, w: Int), stride: (h: Int, w: Int),
                dilation: (h: Int, w: Int)) {
        self.pads = pads; self.autoPad = autoPad; self.kernel = kernel; self.stride = stride; self.dilation = dilation
    }

    /// The pads for an input of `h` × `w`.
    public func resolved(h: Int, w: Int) -> [Int] {
        guard let autoPad, autoPad.hasPrefix("SAME") else { return pads }
        func split(_ n: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
            let total = Swift.max(((n + s - 1) / s - 1) * s + (k - 1) * d + 1 - n, 0)
            return autoPad == "SAME_LOWER" ? (total - total / 2, total / 2) : (total / 2, total - total / 2)
        }
        let (t, b) = split(h, kernel.h, stride.h, dilation.h), (l, r) = split(w, kernel.w, stride.w, dilation.w)
        return [t, l, b, r]
    }

    /// `x` `[N, C, H, W]` padded with `fill` (plus `extra` more rows and columns at the end).
    public func apply(_ x: Variable, fill: Float, extra: (h: Int, w: Int) = (0, 0)) throws -> Variable {
        guard x.shape.count == 4 else { throw GraphError.invalidValue("padding needs [N, C, H, W], got \(x.shape)") }
        let p = resolved(h: x.shape[2], w: x.shape[3])
        if p.allSatisfy({ $0 == 0 }) && extra == (0, 0) { return x }
        let op = PadOperator(mode: .constant, padsAttribute: [0, 0, p[0], p[1], 0, 0, p[2] + extra.h, p[3] + extra.w],
                             valueAttribute: fill)
        return try op.run([.float(x)])[0].variable("X")
    }
}
