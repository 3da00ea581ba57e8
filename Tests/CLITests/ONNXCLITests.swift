import Foundation
import PruneModelIO
import PruneNN
import PruneTensor
import TestSupport
import XCTest

/// `prune inspect` and `prune prune` on the PyTorch-exported ONNX fixtures.
final class ONNXCLITests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ONNXTests/Fixtures").path

    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try PruneCLI.run(args) }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func temporaryDirectory() throws -> String { try PruneCLI.temporaryDirectory("prune-onnx-cli") }

    func testInspectDescribesAnImportedModel() throws {
        let r = try run(["inspect", Self.fixtures + "/cnn.onnx", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let d = try json(r.out)
        XCTAssertEqual(d["opset"] as? Int, 17)
        XCTAssertEqual(d["parameters"] as? Int, 105_962)
        XCTAssertEqual((d["operators"] as? [String: Int])?["Conv"], 2)
        XCTAssertEqual((d["prunableGroups"] as? [Any])?.count, 3)
        XCTAssertEqual(d["macs"] as? Int, 1_117_056)
        let bad = try run(["inspect", Self.fixtures + "/cnn.io.safetensors.missing.onnx"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("cannot read"), bad.err)
    }

    /// A transformers export with three int64 inputs: each is listed with its type, the others get
    /// neutral values for tracing, and the heads and feed-forward widths of both layers are prunable groups.
    func testInspectListsTheInputsOfATransformerExport() throws {
        let r = try run(["inspect", Self.fixtures + "/transformers/bert_torchscript_opset14/model.onnx", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let d = try json(r.out)
        XCTAssertEqual(d["inputs"] as? [String], ["input_ids int64 [?, ?]", "attention_mask int64 [?, ?]",
                                                  "token_type_ids int64 [?, ?]"])
        XCTAssertEqual((d["prunableGroups"] as? [[String: Any]])?.map { $0["channels"] as? Int }, [4, 64, 4, 64])
        XCTAssertGreaterThan(d["macs"] as? Int ?? 0, 0)
        let conformance = try run(["conformance", Self.fixtures + "/transformers"])
        XCTAssertEqual(conformance.status, 0, conformance.err)
        XCTAssertTrue(conformance.out.contains("0 failed"), conformance.out)
    }

    /// The CNN PyTorch trained on Fashion-MNIST: removing half its MACs costs accuracy, one epoch
    /// of fine-tuning in Prune brings it back, and the exported ONNX is smaller.
    func testStructuredPruningOfTheImportedCNNRecoversWithFineTuning() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        let input = Self.fixtures + "/cnn.onnx"
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let out = dir + "/cnn-half.onnx"
        let r = try run(["prune", input, "--structured", "--structured-target", "flops", "--ratio", "0.5", "--finetune-epochs", "1",
                         "--out", out, "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let report = try json(r.out)
        let dense = try XCTUnwrap(report["accuracyDense"] as? Double)
        let pruned = try XCTUnwrap(report["accuracyAfterPruning"] as? Double)
        let tuned = try XCTUnwrap(report["accuracyAfterFineTuning"] as? Double)
        print(String(format: "imported CNN: dense %.2f%%, half the MACs removed %.2f%%, fine-tuned %.2f%%", dense * 100, pruned * 100, tuned * 100))
        XCTAssertGreaterThan(dense, 0.88)
        XCTAssertLessThan(pruned, dense - 0.03)
        XCTAssertGreaterThan(tuned, dense - 0.01)
        XCTAssertLessThanOrEqual(try XCTUnwrap(report["macs"] as? Int), 1_117_056 / 2)
        let reimported = try ONNXModel.load(out)
        XCTAssertLessThan(reimported.graph.parameterCount, 105_962 * 2 / 3)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: input)), before, "the input model is never modified")
    }

    /// A latency target on an imported ONNX graph, timed in onnxruntime: the layer table and the whole
    /// candidates (the pruned ONNX files the job would write) run in onnxruntime, and the saved model
    /// is the chosen candidate.
    func testALatencyTargetOnAnImportedGraphIsTimedInOnnxruntime() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        let out = dir + "/resnet-fast.onnx"
        let r = try run(["prune", Self.fixtures + "/resnet.onnx", "--train-limit", "2000", "--test-limit", "200",
                         "--structured", "--speedup", "1.3", "--latency-engine", "onnxruntime", "--latency-batch",
                         "8", "--ratio-search", "random", "--search-population", "4", "--search-generations", "2",
                         "--finetune-epochs", "0", "--out", out, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let settings = try XCTUnwrap(try json(r.out)["settings"] as? [String: String])
        let latency = try XCTUnwrap(settings["latency"], "\(settings)")
        XCTAssertTrue(latency.hasPrefix("onnxruntime, batch 8: dense"), latency)
        XCTAssertTrue(r.err.contains("latency table on onnxruntime (batch 8): 9 layers"), r.err)
        XCTAssertTrue(r.err.contains("latency round 1:"), r.err)
        XCTAssertLessThan(try ONNXModel.load(out).graph.parameterCount, try ONNXModel.load(
            Self.fixtures + "/resnet.onnx").graph.parameterCount)
    }

    /// The imported CNN scores what PyTorch measured when it exported it (89.57%, export_fixtures.py),
    /// and the sparse engine gives the same predictions.
    func testEvalOfTheImportedCNNMatchesPyTorchsAccuracy() throws {
        try PruneCLI.requireFashionMNIST()
        let r = try run(["eval", "--model", Self.fixtures + "/cnn.onnx", "--sparse", "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let d = try json(r.out)
        let accuracy = try XCTUnwrap((d["test"] as? [String: Any])?["accuracy"] as? Double)
        XCTAssertEqual(accuracy, 0.8957, accuracy: 0.0005)
        let sparse = try XCTUnwrap(d["sparse"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(sparse["accuracy"] as? Double), accuracy, accuracy: 1e-6)
    }

    /// An imported transformer with calibration inputs and no labels; output to safetensors and ONNX.
    func testUnstructuredPruningWithACalibrationFile() throws {
        let dir = try temporaryDirectory()
        var rng = RandomGenerator(seed: 7)
        try Safetensors.write(StateDict(["x": Tensor.normal([120, 8, 32], using: &rng)]), to: dir + "/inputs.safetensors")
        for out in [dir + "/t.onnx", dir + "/t.safetensors"] {
            let r = try run(["prune", Self.fixtures + "/transformer.onnx", "--calibration", dir + "/inputs.safetensors", "--criterion", "wanda",
                             "--scope", "layerwise", "--sparsity", "0.5", "--finetune-epochs", "0", "--out", out, "--json", "--quiet"])
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertEqual(try XCTUnwrap(try json(r.out)["scopeSparsity"] as? Double), 0.5, accuracy: 0.01)
        }
        let state = try Safetensors.read(dir + "/t.safetensors")
        let w = try XCTUnwrap(state.tensors["layers.0.q.weight"])
        XCTAssertEqual(Double(w.scalars.filter { $0 == 0 }.count) / Double(w.count), 0.5, accuracy: 0.01)
        let model = try ONNXModel.load(dir + "/t.onnx")
        XCTAssertEqual(model.graph.parameterCount, 17_220)
    }

    func testClearErrorsForWrongDataAndOverwritingTheInput() throws {
        let t = Self.fixtures + "/transformer.onnx"
        let r = try run(["prune", t, "--sparsity", "0.5", "--finetune-epochs", "0", "--test-limit", "10", "--train-limit", "10"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--calibration"), r.err)
        let same = try run(["prune", t, "--out", t, "--sparsity", "0.5"])
        XCTAssertNotEqual(same.status, 0)
        XCTAssertTrue(same.err.contains("input model"), same.err)
    }

    /// A BERT sequence classifier exported from transformers, calibrated and fine-tuned on a file of
    /// one tensor per graph input by name (token ids, attention mask, token types) with labels: half of
    /// its heads and MLP units removed, saved as ONNX that onnxruntime runs as Prune does.
    func testStructuredPruningOfATransformerExportWithInputsByName() throws {
        try requirePythonModules(["onnxruntime", "numpy"])
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = Self.fixtures + "/transformers/bert_classifier_torchscript_opset14/model.onnx"
        var rng = RandomGenerator(seed: 3)
        let n = 80, length = 8
        let ids = Tensor(unchecked: [n, length], (0..<(n * length)).map { _ in Float(rng.nextInt(below: 100)) })
        let mask = Tensor(unchecked: [n, length],
                          (0..<(n * length)).map { i in i % length >= 6 && i / length % 2 == 1 ? 0 : 1 })
        let types = Tensor(unchecked: [n, length], (0..<(n * length)).map { i in i % length >= 4 ? 1 : 0 })
        let labels = Tensor(unchecked: [n], (0..<n).map { _ in Float(rng.nextInt(below: 3)) })
        var tensors = ["input_ids": ids, "attention_mask": mask, "token_type_ids": types, "labels": labels]
        try Safetensors.write(StateDict(tensors), to: dir + "/calibration.safetensors")
        let out = dir + "/pruned.onnx"
        let r = try run(["prune", model, "--calibration", dir + "/calibration.safetensors", "--structured",
                         "--structured-target", "channels", "--ratio", "0.5", "--finetune-epochs", "1",
                         "--out", out, "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let dense = try ONNXModel.load(model).graph.parameterCount
        let pruned = try ONNXModel.load(out)
        XCTAssertLessThan(pruned.graph.parameterCount, dense * 6 / 10)
        XCTAssertNotNil(try json(r.out)["accuracyAfterFineTuning"] as? Double)
        // onnxruntime runs the saved file as Prune does, on all three inputs.
        try Safetensors.write(StateDict(tensors.filter { $0.key != "labels" }), to: dir + "/x.safetensors")
        let p = Process(), err = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = URL(fileURLWithPath: Self.fixtures + "/../../../scripts/onnx/run_onnxruntime.py").standardized.path
        p.arguments = ["python3", script, out, dir + "/x.safetensors", dir + "/y.safetensors"]
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, message)
        let theirs = try XCTUnwrap(try Safetensors.read(dir + "/y.safetensors").tensors["y"])
        func integers(_ t: Tensor) throws -> GraphValue {
            .integer(try IntegerTensor(shape: t.shape, values: t.scalars.map { Int($0) }))
        }
        let outputs = try pruned.graph.run(["input_ids": try integers(ids), "attention_mask": try integers(mask),
                                            "token_type_ids": try integers(types)])
        let mine = try XCTUnwrap(outputs["logits"]).variable("logits").value
        XCTAssertEqual(mine.shape, theirs.shape)
        XCTAssertLessThan(zip(mine.scalars, theirs.scalars).map { abs($0 - $1) }.max() ?? 1, 1e-4)
        // A file that lacks an input is refused with the input's name.
        tensors["token_type_ids"] = nil
        try Safetensors.write(StateDict(tensors), to: dir + "/partial.safetensors")
        let bad = try run(["prune", model, "--calibration", dir + "/partial.safetensors", "--structured",
                           "--finetune-epochs", "0", "--out", dir + "/bad.onnx"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("token_type_ids"), bad.err)
    }
}
