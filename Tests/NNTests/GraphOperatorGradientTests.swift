import PruneAutodiff
import PruneNN
import PruneTensor
import XCTest

/// The ONNX operators added for real-world graphs are differentiable where Prune fine-tunes
/// through them: each analytic gradient agrees with central finite differences of
/// L = Σ output · upstream (their forward values are checked against the ONNX node tests).
final class GraphOperatorGradientTests: XCTestCase {
    struct Case {
        let name: String
        let op: any GraphOperator
        let inputs: [GraphValue]
        /// Which inputs are differentiated.
        let wrt: [Int]
    }

    static func floats(_ shape: [Int], seed: Int) -> GraphValue {
        let n = shape.reduce(1, *)
        return .float(Variable(Tensor(unchecked: shape, (0..<n).map { Float(sin(Double($0 * 7 + seed * 13) * 0.37)) })))
    }

    static func ints(_ shape: [Int], _ values: [Int]) -> GraphValue { .integer(try! IntegerTensor(shape: shape,
            values: values)) }

    static var cases: [Case] { [
        Case(name: "Expand", op: ExpandOperator(), inputs: [floats([3, 1], seed: 1), ints([2], [3, 4])], wrt: [0]),
        Case(name: "Tile", op: TileOperator(), inputs: [floats([2, 3], seed: 2), ints([2], [2, 2])], wrt: [0]),
        Case(name: "Pad reflect", op: PadOperator(mode: .reflect),
             inputs: [floats([2, 4], seed: 3), ints([4], [1, 2, 1, 2])], wrt: [0]),
        Case(name: "Trilu", op: TriluOperator(upper: false), inputs: [floats([3, 4], seed: 4)], wrt: [0]),
        Case(name: "GatherElements", op: GatherElementsOperator(axis: 1),
             inputs: [floats([2, 3], seed: 5), ints([2, 2], [0, 2, 1, 1])], wrt: [0]),
        Case(name: "Where", op: WhereOperator(),
             inputs: [ints([3], [1, 0, 1]), floats([2, 3], seed: 6), floats([3], seed: 7)], wrt: [1, 2]),
        Case(name: "Pow", op: BinaryOperator(.pow),
             inputs: [.float(Variable(Tensor(unchecked: [3], [0.5, 1.2, 2]))), floats([3], seed: 8)], wrt: [0, 1]),
        Case(name: "Max", op: VariadicOperator(.max), inputs: [floats([2, 3], seed: 9), floats([3], seed: 10)],
             wrt: [0, 1]),
        Case(name: "ReduceLogSumExp", op: ReduceOperator(.logSumExp, axesAttribute: [1], keepDims: false),
             inputs: [floats([2, 3], seed: 11)], wrt: [0]),
        Case(name: "Mish", op: MathFunctionOperator(MathFunction.catalog["Mish"]!), inputs: [floats([5], seed: 12)],
             wrt: [0]),
        Case(name: "Selu", op: MathFunctionOperator(.elu(alpha: 1.67, gamma: 1.05)), inputs: [floats([5], seed: 13)],
             wrt: [0]),
        Case(name: "AveragePool ceil, pads excluded",
             op: PaddedPoolOperator(isMax: false, padding: SpatialPadding(pads: [1, 0, 0, 1], kernel: (2, 2),
                                                                          stride: (2, 2),
                                                                          dilation: (1, 1)),
                                    ceilMode: true, countIncludePad: false),
             inputs: [floats([1, 2, 4, 5], seed: 14)], wrt: [0]),
        Case(name: "Resize cubic", op: ResizeOperator(mode: .cubic, coordinates: "half_pixel", nearestMode: "",
                                                      cubicA: -0.75, excludeOutside: false, scalesInput: 2,
                                                      sizesInput: 3),
             inputs: [floats([1, 1, 3, 4], seed: 15), ints([0], []), .float(Variable(Tensor([1, 1, 1.5,
                     0.75])))], wrt: [0]),
        Case(name: "Resize tf_crop_and_resize", op: ResizeOperator(mode: .linear, coordinates: "tf_crop_and_resize",
                                                                   nearestMode: "", cubicA: -0.75,
                                                                   excludeOutside: false, scalesInput: 2,
                                                                   sizesInput: 3, roiInput: 1, extrapolationValue: 7),
             inputs: [floats([1, 1, 3, 4], seed: 26), .float(Variable(Tensor([0, 0, -0.3, 0.1, 1, 1, 1.2, 0.8]))),
                      .float(Variable(Tensor([1, 1, 1.5, 1.25])))], wrt: [0]),
        Case(name: "Einsum", op: EinsumOperator(equation: "bij,bjk->bik")!,
             inputs: [floats([2, 2, 3], seed: 16), floats([2, 3, 2], seed: 17)], wrt: [0, 1]),
        Case(name: "LRN", op: LRNOperator(size: 3, alpha: 0.5, beta: 0.75, bias: 1),
             inputs: [floats([1, 4, 2, 2], seed: 18)], wrt: [0]),
        Case(name: "GroupNormalization", op: StandardizeOperator(.group(groups: 2), epsilon: 1e-5),
             inputs: [floats([1, 4, 3], seed: 19), floats([4], seed: 20), floats([4], seed: 21)], wrt: [0, 1, 2]),
        Case(name: "SoftmaxCrossEntropyLoss", op: ClassificationLossOperator(softmaxFirst: true, reduction: .mean,
                                                                            ignoreIndex: 1),
             inputs: [floats([3, 4], seed: 22), ints([3], [0, 1, 3]), floats([4], seed: 23)], wrt: [0]),
        Case(name: "PRelu", op: PReluOperator(), inputs: [floats([2, 3], seed: 24), floats([3], seed: 25)], wrt: [0,
                1]),
    ] }

    /// tf_crop_and_resize: positions whose source falls outside the input take the extrapolation value,
    /// also when every position does (the output keeps its shape).
    func testCropAndResizeExtrapolates() throws {
        let op = ResizeOperator(mode: .linear, coordinates: "tf_crop_and_resize", nearestMode: "", cubicA: -0.75,
                                excludeOutside: false, scalesInput: 2, sizesInput: 3, roiInput: 1,
                                extrapolationValue: 7)
        let x = Self.floats([1, 1, 2, 2], seed: 27)
        let outside = try op.run([x, .float(Variable(Tensor([0, 0, 2, 2, 1, 1, 3, 3]))), nil,
                                  Self.ints([4], [1, 1, 3, 2])])[0].variable("y")
        XCTAssertEqual(outside.shape, [1, 1, 3, 2])
        XCTAssertEqual(outside.value.scalars, [Float](repeating: 7, count: 6))
        // A 3-row crop over rows [-1, 1] of a 2-row input: source rows -1 (outside), 0 and 1.
        let half = try op.run([x, .float(Variable(Tensor([0, 0, -1, 0, 1, 1, 1, 1]))), nil,
                               Self.ints([4], [1, 1, 3, 2])])[0].variable("y")
        let v = try x.variable("x").value.scalars
        XCTAssertEqual(Array(half.value.scalars[0..<2]), [7, 7])
        for k in 0..<4 { XCTAssertEqual(half.value.scalars[2 + k], v[k], accuracy: 1e-6) }
    }

    func objective(_ c: Case, _ inputs: [GraphValue], _ upstream: [Float]) throws -> Double {
        let out = try withNoGrad { try c.op.run(inputs)[0].variable("output") }
        return zip(out.value.scalars, upstream).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    func testGradientsMatchFiniteDifferences() throws {
        let eps: Float = 1e-3
        for c in Self.cases {
            let variables = try c.inputs.enumerated().map { i, v -> GraphValue in
                guard case .float(let x) = v else { return v }
                return .float(Variable(x.value, requiresGrad: c.wrt.contains(i)))
            }
            let out = try c.op.run(variables)[0].variable("output")
            let upstream = (0..<out.value.count).map { Float(cos(Double($0) * 0.9)) }
            try out.backward(Tensor(unchecked: out.shape, upstream))
            for i in c.wrt {
                guard case .float(let x) = variables[i], case .float(let base) = c.inputs[i] else { continue }
                let analytic = x.grad ?? .zeros(base.shape)
                for j in 0..<base.value.count {
                    func shifted(_ d: Float) -> [GraphValue] {
                        var t = base.value
                        t.scalars[j] += d
                        var inputs = c.inputs
                        inputs[i] = .float(Variable(t))
                        return inputs
                    }
                    let numeric = Float((try objective(c, shifted(eps), upstream) - objective(c, shifted(-eps),
                            upstream))
                                        / Double(2 * eps))
                    XCTAssertEqual(analytic.scalars[j], numeric, accuracy: 2e-2 * max(1, abs(numeric)),
                                   "\(c.name): input \(i), element \(j)")
                }
            }
        }
    }
}
