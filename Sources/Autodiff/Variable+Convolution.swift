import PruneTensor

/// Convolution and pooling over `[N, C, H, W]`.
extension Variable {
    /// 2-D convolution (stride, padding, dilation, groups; depthwise when groups = channels).
    public static func conv2d(_ x: Variable, weight: Variable, bias: Variable?,
                              geometry: Conv2dGeometry) throws -> Variable {
        let out = try Tensor.conv2d(x.value, weight: weight.value, bias: bias?.value, geometry: geometry)
        let xv = x.value, w = weight.value, needX = x.requiresGrad
        let parents = bias.map { [x, weight, $0] } ?? [x, weight]
        return record(out, parents) { g in
            let r = Tensor.conv2dBackward(gradOutput: g, input: xv, weight: w, geometry: geometry, needInput: needX)
            return bias == nil ? [r.input, r.weight] : [r.input, r.weight, r.bias]
        }
    }

    /// Max pooling (without a gradient to record, the values alone: no winner indices).
    public static func maxPool2d(_ x: Variable, geometry: Conv2dGeometry) throws -> Variable {
        if !(GradMode.isEnabled && x.requiresGrad) {
            return Variable(try Tensor.maxPool2dValues(x.value, geometry: geometry))
        }
        let (out, arg) = try Tensor.maxPool2d(x.value, geometry: geometry)
        let inShape = x.shape
        return record(out, [x]) { g in [Tensor.maxPool2dBackward(gradOutput: g, argmax: arg, inputShape: inShape)] }
    }

    /// Average pooling (padding counts in the divisor).
    public static func avgPool2d(_ x: Variable, geometry: Conv2dGeometry) throws -> Variable {
        let out = try Tensor.avgPool2d(x.value, geometry: geometry)
        let inShape = x.shape
        return record(out, [x]) { g in [Tensor.avgPool2dBackward(gradOutput: g, inputShape: inShape,
                                                                 geometry: geometry)] }
    }

    /// Global average pooling: `[N, C, H, W]` → `[N, C]`.
    public static func globalAvgPool2d(_ x: Variable) throws -> Variable {
        guard x.value.rank == 4 else {
            throw TensorError.shapeMismatch(op: "globalAvgPool2d", shapes: [x.shape],
                                            reason: "input must be [N, C, H, W]")
        }
        return try x.mean(axes: [2, 3])
    }
}
