import PruneTensor

/// Transposed convolution with gradients (ONNX ConvTranspose).
extension Variable {
    /// The placement of a transposed convolution's output in its unpadded result: rows
    /// `top ..< top + height` and columns `left ..< left + width` (negative or past the end reads zeros;
    /// ONNX's pads crop, an output_shape larger than the result extends).
    public struct OutputWindow: Sendable, Equatable {
        public var top: Int, left: Int, height: Int, width: Int
        public init(top: Int, left: Int, height: Int, width: Int) {
            self.top = top; self.left = left; self.height = height; self.width = width
        }
    }

    /// y = window(convTranspose2d(x, W)) + b, with weight [Cin, Cout/groups, kh, kw] and a geometry
    /// without padding. Gradients through the adjoint: dx = conv2d(dy, W), dW from conv2d's weight
    /// gradient with x as the output gradient and dy as the input, db = Σ dy.
    public static func convTranspose2d(_ x: Variable, weight: Variable, bias: Variable?, geometry g: Conv2dGeometry,
                                       extra: (h: Int, w: Int), window: OutputWindow) throws -> Variable {
        let full = try Tensor.convTranspose2d(x.value, weight: weight.value, geometry: g, extra: extra)
        var out = try Self.windowed(full, window)
        let co = full.shape[1]
        if let bias {
            guard bias.value.count == co else {
                throw TensorError.invalidArgument(op: "convTranspose2d",
                                                  reason: "bias \(bias.shape) for \(co) channels")
            }
            out = try out + bias.value.reshaped([1, co, 1, 1])
        }
        let xv = x.value, w = weight.value, fullShape = full.shape
        let parents = bias.map { [x, weight, $0] } ?? [x, weight]
        return record(out, parents) { grad in
            // The gradient of the unpadded result, without the output padding no input reaches.
            let reached = [fullShape[0], co, fullShape[2] - extra.h, fullShape[3] - extra.w]
            let g0 = try Self.windowed(grad, OutputWindow(top: -window.top, left: -window.left,
                                                          height: reached[2], width: reached[3]))
            let dx = try Tensor.conv2d(g0, weight: w, bias: nil, geometry: g)
            let dw = Tensor.conv2dBackward(gradOutput: xv, input: g0, weight: w, geometry: g, needInput: false).weight
            let db = try grad.sum(axes: [0, 2, 3])
            return bias == nil ? [dx, dw] : [dx, dw, db]
        }
    }

    /// Rows and columns of `window` of every image and channel of `t` ([N, C, H, W]), zeros outside.
    static func windowed(_ t: Tensor, _ window: OutputWindow) throws -> Tensor {
        let n = t.shape[0], c = t.shape[1], h = t.shape[2], w = t.shape[3]
        guard window.height > 0, window.width > 0,
              let count = CheckedSize.elements([n, c, window.height, window.width]) else {
            throw TensorError.invalidArgument(op: "convTranspose2d", reason: "output window \(window) of \(t.shape)")
        }
        var out = [Float](repeating: 0, count: count)
        let x0 = Swift.max(0, -window.left), x1 = Swift.min(window.width, w - window.left)
        if x0 < x1 {
            t.scalars.withUnsafeBufferPointer { src in
                for plane in 0..<(n * c) {
                    for y in 0..<window.height {
                        let sy = y + window.top
                        guard sy >= 0 && sy < h else { continue }
                        let s = (plane * h + sy) * w + window.left, d = (plane * window.height + y) * window.width
                        for x in x0..<x1 { out[d + x] = src[s + x] }
                    }
                }
            }
        }
        return Tensor(unchecked: [n, c, window.height, window.width], out)
    }
}
