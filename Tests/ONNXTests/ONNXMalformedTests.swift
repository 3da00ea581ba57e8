import Foundation
import ONNXProto
import PruneAutodiff
import PruneModelIO
import PruneNN
import PruneTensor
import TestSupport
import XCTest

/// Broken models give one clear error naming the problem, never a crash.
final class ONNXMalformedTests: XCTestCase {
    func cnnProto() throws -> Onnx_ModelProto {
        try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: try ONNXFixtures.path("cnn"))))
    }

    func importError(_ proto: Onnx_ModelProto, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        do {
            _ = try ONNXModel.decode(try proto.serializedBytes(), name: "broken.onnx")
            XCTFail("a broken model was accepted", file: file, line: line)
            return ""
        } catch { return "\(error)" }
    }

    func testTruncatedProtobuf() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: try ONNXFixtures.path("cnn")))
        for cut in [7, 100, data.count / 2, data.count - 3] {
            do { _ = try ONNXModel.decode(data.prefix(cut), name: "cut.onnx"); XCTFail("accepted a file cut at \(cut)") } catch {
                XCTAssertTrue("\(error)".contains("cut.onnx"), "\(error)")
            }
        }
    }

    func testMissingInitializer() throws {
        var p = try cnnProto()
        p.graph.initializer.removeAll { $0.name == "conv2.weight" }
        let e = try importError(p)
        XCTAssertTrue(e.contains("conv2.weight") && e.contains("/conv2/Conv"), e)
    }

    func testShapeThatDoesNotFit() throws {
        var p = try cnnProto()
        let i = p.graph.initializer.firstIndex { $0.name == "fc1.weight" }!
        p.graph.initializer[i].dims = [64, 1000]
        p.graph.initializer[i].rawData = p.graph.initializer[i].rawData.prefix(64 * 1000 * 4)
        let e = try importError(p)
        XCTAssertTrue(e.contains("/fc1/Gemm"), e)
    }

    func testCycle() throws {
        var p = try cnnProto()
        // conv1 reads the output of the first ReLU, which depends on conv1.
        p.graph.node[0].input[0] = p.graph.node[2].output[0]
        let e = try importError(p)
        XCTAssertTrue(e.contains("cycle") && e.contains("/conv1/Conv"), e)
    }

    func testUnknownDomainOpsetAndOperator() throws {
        var p = try cnnProto()
        p.graph.node[2].domain = "com.example.custom"
        XCTAssertTrue(try importError(p).contains("com.example.custom"))
        p = try cnnProto()
        for version in [0, 22] {
            p.opsetImport[0].version = Int64(version)
            XCTAssertTrue(try importError(p).contains("opset \(version)"))
        }
        // Before opset 6 only operators defined there as at opset 6 are read (Concat's axis was optional
        // before opset 4, Reshape took its shape as an attribute before opset 5).
        p.opsetImport[0].version = 3
        let early = try importError(p)
        XCTAssertTrue(early.contains("opset 3") && early.contains("is read from opset"), early)
        p = try cnnProto()
        p.graph.node[2].opType = "NonMaxSuppression"
        let e = try importError(p)
        XCTAssertTrue(e.contains("NonMaxSuppression") && e.contains("/Relu") && e.contains("opset 17"), e)
    }

    func testNaNWeights() throws {
        var p = try cnnProto()
        let i = p.graph.initializer.firstIndex { $0.name == "conv1.weight" }!
        var raw = [UInt8](p.graph.initializer[i].rawData)
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { for k in 0..<4 { raw[8 + k] = $0[k] } }
        p.graph.initializer[i].rawData = Data(raw)
        let e = try importError(p)
        XCTAssertTrue(e.contains("conv1.weight") && e.contains("NaN"), e)
        // A bias that a MatMul's following Add contributes is checked like any layer weight.
        var t = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: try ONNXFixtures.path("transformer"))))
        let b = t.graph.initializer.firstIndex { $0.name == "layers.0.q.bias" }!
        var bias = [UInt8](t.graph.initializer[b].rawData)
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { for k in 0..<4 { bias[k] = $0[k] } }
        t.graph.initializer[b].rawData = Data(bias)
        let eb = try importError(t)
        XCTAssertTrue(eb.contains("layers.0.q.bias") && eb.contains("NaN"), eb)
    }

    /// A seeded mutation fuzzer over the fixtures: flipped, inserted, deleted and truncated bytes.
    /// Every mutant must import with a result or an error; a crash fails the suite.
    func testSeededMutationFuzzNeverCrashes() throws {
        let dir = Bundle.module.url(forResource: "Fixtures/ops", withExtension: nil)!
        var seeds = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".onnx") }.sorted()
            .map { try Data(contentsOf: dir.appendingPathComponent($0)) }
        for name in ["mobilenet", "transformer", "resnet"] { seeds.append(try Data(contentsOf: URL(fileURLWithPath: try ONNXFixtures.path(name)))) }
        // Hugging Face exports: int64 inputs, masks, Where, Expand, Range, Sin/Cos, Concat-built shapes.
        let transformers = OnnxRuntimePeer.repository.appendingPathComponent("Tests/ONNXTests/Fixtures/transformers")
        for name in ["bert_torchscript_opset14", "llama_gqa_torchscript_opset17"] {
            seeds.append(try Data(contentsOf: transformers.appendingPathComponent(name + "/model.onnx")))
        }
        var rng = RandomGenerator(seed: 20261124)
        // A fixed number of seeded mutants (no clock): the same mutants on every machine.
        let iterations = Int(ProcessInfo.processInfo.environment["PRUNE_ONNX_FUZZ_ITERATIONS"] ?? "") ?? 200_000
        var imported = 0, rejected = 0
        for _ in 0..<iterations {
            var bytes = [UInt8](seeds[Int(rng.next() % UInt64(seeds.count))])
            for _ in 0..<(1 + Int(rng.next() % 4)) where !bytes.isEmpty {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 5 {
                case 0: bytes[at] ^= UInt8(1 << (rng.next() % 8))
                case 1: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                case 3: bytes.removeSubrange(at..<min(bytes.count, at + 1 + Int(rng.next() % 16)))
                default: bytes = Array(bytes.prefix(at))
                }
            }
            do {
                let model = try ONNXModel.decode(Data(bytes), name: "mutant.onnx")
                imported += 1
                if let shape = model.exampleShape(batch: 2, length: 5), shape.reduce(1, *) < 1 << 20 {
                    _ = try? withNoGrad { try model.graph.forward(Variable(.zeros(shape))) }
                }
            } catch {
                rejected += 1
                XCTAssertFalse("\(error)".isEmpty)
            }
        }
        print("ONNX fuzz: \(imported + rejected) mutants, \(imported) imported, \(rejected) rejected with an error, no crash")
        XCTAssertEqual(imported + rejected, iterations)
        XCTAssertGreaterThan(rejected, 0)
        XCTAssertGreaterThan(imported, 0)
    }
}
