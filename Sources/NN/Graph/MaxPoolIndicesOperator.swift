import PruneAutodiff
import PruneTensor

/// 2-D MaxPool with ONNX's second output, Indices: for each output, the flat index in the input
/// (row major, or column major over height and width with `storage_order` 1) of the first largest
/// element of its window, padding never chosen. The pooled values come from the wrapped
/// ``PaddedPoolOperator`` (differentiable); the indices are integers.
public struct MaxPoolIndicesOperator: GraphOperator {
    public let pool: PaddedPoolOperator
    public let columnMajor: Bool

    public init(pool: PaddedPoolOperator, columnMajor: Bool) { self.pool = pool; self.columnMajor = columnMajor }

    public var channelFlow: ChannelFlow { pool.channelFlow }
    /// The indices count from the start of the whole input: a part of the batch would count from its own.
    public func keepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool]) -> Bool { !batched.contains(true) }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "X").variable("X")
        let y = try pool.run(inputs)[0]
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = (y.shape[2], y.shape[3]), g = pool.padding
        let pads = g.resolved(h: h, w: w), top = pads[0], left = pads[1]
        let values = x.value.scalars
        var indices = [Int](repeating: 0, count: n * c * oh * ow)
        for plane in 0..<(n * c) {
            for i in 0..<oh {
                for j in 0..<ow {
                    var best = -Float.infinity, at = -1
                    for a in 0..<g.kernel.h {
                        let r = i * g.stride.h - top + a * g.dilation.h
                        guard r >= 0, r < h else { continue }
                        for b in 0..<g.kernel.w {
                            let s = j * g.stride.w - left + b * g.dilation.w
                            guard s >= 0, s < w else { continue }
                            let v = values[(plane * h + r) * w + s]
                            if at < 0 || v > best || v.isNaN && !best.isNaN {
                                best = v
                                at = plane * h * w + (columnMajor ? s * h + r : r * w + s)
                            }
                        }
                    }
                    indices[(plane * oh + i) * ow + j] = at
                }
            }
        }
        return [y, .integer(try IntegerTensor(shape: y.shape, values: indices))]
    }
}
