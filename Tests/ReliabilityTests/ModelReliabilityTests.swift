import Foundation
import ONNXProto
import Prune
import TestSupport
import XCTest

/// Models with hostile sizes or values: huge declared inputs, absurd convolution geometry, NaN and
/// overflowing weights.
final class ModelReliabilityTests: XCTestCase {
    func value(_ name: String, dims: [Int64]) -> Onnx_ValueInfoProto {
        ONNXProtoBuilding.value(name, dims: dims)
    }

    func onnxFile(input dims: [Int64], node: Onnx_NodeProto, initializers: [Onnx_TensorProto] = []) throws -> String {
        let m = ONNXProtoBuilding.model(nodes: [node], inputs: [value("x", dims: dims)],
                                        outputs: [ONNXProtoBuilding.value("y", type: nil)], initializers: initializers)
        let path = try CraftedFiles.tempDir() + "/m.onnx"
        try m.serializedData().write(to: URL(fileURLWithPath: path))
        return path
    }

    func relu() -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = "Relu"; n.input = ["x"]; n.output = ["y"]; n.name = "relu"
        return n
    }

    func testAnInputOfTwoToThe93ElementsIsAnErrorNotASegfault() throws {
        let path = try onnxFile(input: [1 << 31, 1 << 31, 1 << 31], node: relu())
        XCTAssertThrowsError(try ONNXModel.load(path)) { XCTAssertTrue("\($0)".contains("2^63"), "\($0)") }
    }

    func testAnInputAboveTheMemoryBudgetIsRefusedBeforeAllocating() throws {
        let path = try onnxFile(input: [1, 1, 65536, 65536], node: relu())
        XCTAssertThrowsError(try ONNXModel.load(path)) { error in
            XCTAssertTrue("\(error)".contains("16.0 GiB"), "\(error)")
            XCTAssertTrue("\(error)".contains("memory budget"), "\(error)")
        }
    }

    func testConvolutionPaddingOfTwoToThe40IsAnError() throws {
        var n = Onnx_NodeProto()
        n.opType = "Conv"; n.input = ["x", "w"]; n.output = ["y"]; n.name = "conv"
        var pads = Onnx_AttributeProto()
        pads.name = "pads"; pads.type = .ints; pads.ints = [1 << 40, 1 << 40, 1 << 40, 1 << 40]
        n.attribute = [pads]
        var w = Onnx_TensorProto()
        w.name = "w"; w.dataType = 1; w.dims = [2, 1, 3, 3]; w.floatData = [Float](repeating: 1, count: 18)
        let path = try onnxFile(input: [1, 1, 8, 8], node: n, initializers: [w])
        XCTAssertThrowsError(try ONNXModel.load(path)) { XCTAssertTrue("\($0)".contains("1099511627776"), "\($0)") }
        let geometry = Conv2dGeometry(kernel: (3, 3), padding: (1 << 40, 1 << 40))
        XCTAssertThrowsError(try geometry.outputSize(h: 8, w: 8, op: "conv2d"))
    }

    func testAConvolutionOutputAboveTheBudgetIsAnError() throws {
        let saved = MemoryBudget.bytes
        defer { MemoryBudget.bytes = saved }
        MemoryBudget.bytes = 1 << 20
        let x = Tensor.zeros([1, 1, 600, 600]), w = Tensor.zeros([4, 1, 1, 1])
        XCTAssertThrowsError(try Tensor.conv2d(x, weight: w, bias: nil, geometry: Conv2dGeometry(kernel: (1, 1)))) {
            XCTAssertTrue("\($0)".contains("memory budget"), "\($0)")
        }
    }

    func testReLUKeepsNaNAsIEEESays() {
        let y = Tensor([Float.nan, -1, 0, 2, -.infinity, .infinity]).relu()
        XCTAssertTrue(y.scalars[0].isNaN)
        XCTAssertEqual(Array(y.scalars[1...]), [0, 0, 2, 0, .infinity])
    }

    func testNaNPropagatesThroughPoolingMaximaAndReductions() throws {
        var x = Tensor.zeros([1, 1, 4, 4])
        x.scalars[5] = .nan
        let pooled = try Tensor.maxPool2d(x, geometry: Conv2dGeometry(kernel: (2, 2), stride: (2, 2))).output
        XCTAssertTrue(pooled.scalars[0].isNaN, "the window holding the NaN")
        XCTAssertEqual(Array(pooled.scalars[1...]), [0, 0, 0])
        let m = try Tensor.maximum(Tensor([1, .nan, 3]), Tensor([2, 2, .nan]))
        XCTAssertEqual(m.scalars[0], 2)
        XCTAssertTrue(m.scalars[1].isNaN && m.scalars[2].isNaN)
        let rows = try Tensor(shape: [2, 3], scalars: [1, .nan, 5, 4, 2, 3])
        XCTAssertTrue(try rows.max(axis: 1).scalars[0].isNaN)
        XCTAssertEqual(try rows.argmax(axis: 1), [1, 0], "argmax points at the NaN, as torch.argmax does")
        XCTAssertTrue(rows.max().isNaN)
    }

    func testOverflowingWeightsAreReportedByEvaluation() throws {
        var rng = RandomGenerator(seed: 0)
        let net = LeNet300.make(rng: &rng)
        for (_, p) in net.parameters() { p.value = p.value.map { _ in 3e38 } }
        let images = try LabeledImages(images: Tensor.normal([20, 1, 28, 28], using: &rng),
                                       labels: (0..<20).map { $0 % 10 }, classes: 10)
        let ev = try Trainer.evaluate(net, loader: DataLoader(images, batchSize: 8))
        XCTAssertEqual(ev.nonFinite, 20)
        XCTAssertTrue(ev.loss.isNaN, "the loss is NaN as in PyTorch, not log(10)")
        XCTAssertEqual(ev.accuracy, 0)
        XCTAssertNotNil(ev.nonFiniteWarning)
        XCTAssertThrowsError(try ev.requireFinite())
    }

    func testTrainingOnABrokenModelSaysSoAndNamesTheStep() throws {
        var rng = RandomGenerator(seed: 0)
        let net = LeNet300.make(rng: &rng)
        for (_, p) in net.parameters() { p.value = p.value.map { _ in .nan } }
        let images = try LabeledImages(images: Tensor.normal([16, 1, 28, 28], using: &rng),
                                       labels: (0..<16).map { $0 % 10 }, classes: 10)
        var step = 0
        XCTAssertThrowsError(try Trainer.trainEpoch(net, loader: DataLoader(images, batchSize: 8),
                                                    optimizer: SGD(net.parameters().map(\.parameter), learningRate: 0.1),
                                                    step: &step)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("before any update"), text)
            XCTAssertTrue(text.contains("epoch 1, batch 1"), text)
            XCTAssertFalse(text.contains("lower the learning rate"), text)
        }
    }
}
