import Foundation
import TestSupport
import XCTest

/// End-to-end tests of `prune prune` on Fashion-MNIST.
final class PruneCLITests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try PruneCLI.run(args) }

    func requireData() throws { try PruneCLI.requireFashionMNIST() }

    func temporaryDirectory() throws -> String { try PruneCLI.temporaryDirectory("prune-prune") }

    /// A quickly trained LeNet-300-100 (2,000 images, 2 epochs).
    func smallModel(_ dir: String) throws -> String {
        let path = dir + "/dense.safetensors"
        let r = try run(["train", "--model", "lenet300", "--epochs", "2", "--train-limit", "2000", "--test-limit", "500",
                         "--out", path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        return path
    }

    func testPruneReportsAndSavesASparseModel() throws {
        try requireData()
        let dir = try temporaryDirectory()
        let dense = try smallModel(dir)
        let before = try Data(contentsOf: URL(fileURLWithPath: dense))
        for (granularity, criterion, scope, expected) in [("unstructured", "magnitude", "global", 0.8), ("2:4", "wanda", "layerwise", 0.5),
                                                           ("channels", "l2", "protected", 0.8)] {
            let out = dir + "/pruned-\(criterion).safetensors"
            let target = granularity == "2:4" ? [] : ["--sparsity", "0.8"]
            let r = try run(["prune", "--model", "lenet300", "--weights", dense, "--train-limit", "2000", "--test-limit", "500",
                             "--criterion", criterion, "--granularity", granularity, "--scope", scope,
                             "--finetune-epochs", "1", "--out", out, "--json", "--quiet"] + target)
            XCTAssertEqual(r.status, 0, r.err)
            let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            XCTAssertEqual(try XCTUnwrap(obj["scopeSparsity"] as? Double), expected, accuracy: 0.01, granularity)
            XCTAssertNotNil(obj["accuracyAfterFineTuning"] as? Double)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out))
            // The saved weights hold the zeros: eval counts them.
            let e = try run(["eval", "--model", "lenet300", "--weights", out, "--test-limit", "500", "--json"])
            let eobj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
            let nonzero = try XCTUnwrap(eobj["nonZeroParameters"] as? Int), total = try XCTUnwrap(eobj["parameters"] as? Int)
            XCTAssertLessThan(Double(nonzero) / Double(total), 1 - expected + 0.02, granularity)
            // The sparse engine (CSR Linear layers) gives the same predictions.
            let sp = try run(["eval", "--model", "lenet300", "--weights", out, "--test-limit", "500", "--sparse", "--json"])
            XCTAssertEqual(sp.status, 0, sp.err)
            let spo = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(sp.out.utf8)) as? [String: Any])?["sparse"] as? [String: Any])
            XCTAssertLessThan(try XCTUnwrap(spo["maxLogitDifference"] as? Double), 1e-3, granularity)
            XCTAssertEqual(try XCTUnwrap(spo["accuracy"] as? Double), try XCTUnwrap((eobj["test"] as? [String: Any])?["accuracy"] as? Double), accuracy: 1e-6)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dense)), before, "the input model is never modified")
    }

    func testBadRequestsGiveClearErrors() throws {
        try requireData()
        let dir = try temporaryDirectory()
        let dense = try smallModel(dir)
        let base = ["prune", "--model", "lenet300", "--weights", dense, "--train-limit", "500", "--test-limit", "200", "--finetune-epochs", "0"]
        let cases: [([String], String)] = [
            (["--sparsity", "1.2"], "impossible target"),
            (["--out", dense], "is the input model"),
            (["--criterion", "vibes"], "unknown criterion vibes"),
            (["--include", "decoder.*"], "matches no prunable weight"),
            (["--granularity", "2:3"], "not a multiple of M = 3"),
            (["--granularity", "2:4", "--sparsity", "0.9"], "fixes sparsity at 0.5"),
            (["--scope", "protected", "--protect", "0.5", "--sparsity", "0.9"], "impossible target"),
        ]
        for (extra, message) in cases {
            let r = try run(base + extra)
            XCTAssertNotEqual(r.status, 0, extra.joined(separator: " "))
            XCTAssertTrue(r.err.contains(message), "expected \(message) in: \(r.err)")
        }
    }

    func testRecipeTrainsWhenNeededPrunesAndNamesBadLines() throws {
        try requireData()
        let dir = try temporaryDirectory()
        let recipe = """
        model: lenet300
        weights: \(dir)/dense.safetensors
        train_limit: 2000
        test_limit: 500
        train: {epochs: 1, seed: 3}
        prune:
          criterion: lamp
          scope: global
          sparsity: 0.7
        finetune: {epochs: 1}
        out: \(dir)/pruned.safetensors
        """
        try recipe.write(toFile: dir + "/r.yaml", atomically: true, encoding: .utf8)
        let r = try run(["run", dir + "/r.yaml", "--json", "--quiet", "--report", dir + "/run.html"])
        XCTAssertEqual(r.status, 0, r.err)
        let page = try String(contentsOfFile: dir + "/run.html", encoding: .utf8)
        XCTAssertTrue(page.contains("Per-layer sparsity") && page.contains("<td>fc3.weight</td>"), page)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(obj["scopeSparsity"] as? Double), 0.7, accuracy: 1e-4)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/dense.safetensors"), "the dense model was trained and kept")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/pruned.safetensors"))
        let bad = recipe.replacingOccurrences(of: "sparsity: 0.7", with: "sparsity: 1.2")
        try bad.write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let e = try run(["run", dir + "/bad.yaml"])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertTrue(e.err.contains("recipe line 9") && e.err.contains("impossible"), e.err)
        let noLayer = recipe.replacingOccurrences(of: "scope: global", with: "include: [conv9]")
        try noLayer.write(toFile: dir + "/nolayer.yaml", atomically: true, encoding: .utf8)
        let n = try run(["run", dir + "/nolayer.yaml"])
        XCTAssertNotEqual(n.status, 0)
        XCTAssertTrue(n.err.contains("recipe line 8") && n.err.contains("conv9"), n.err)
    }

    func testStructuredPruningSavesASmallerModelThatLoads() throws {
        try requireData()
        let dir = try temporaryDirectory()
        let dense = dir + "/lenet5.safetensors"
        XCTAssertEqual(try run(["train", "--model", "lenet5", "--epochs", "1", "--train-limit", "1000", "--test-limit", "300", "--out", dense, "--quiet"]).status, 0)
        let out = dir + "/small.safetensors"
        let r = try run(["prune", "--model", "lenet5", "--weights", dense, "--train-limit", "1000", "--test-limit", "300", "--structured",
                         "--structured-target", "flops", "--ratio", "0.5", "--finetune-epochs", "1", "--out", out, "--json", "--quiet",
                         "--report", dir + "/structured.html"])
        XCTAssertEqual(r.status, 0, r.err)
        let page1 = try String(contentsOfFile: dir + "/structured.html", encoding: .utf8)
        XCTAssertTrue(page1.contains("Per-layer width") && page1.contains("mean training loss"), page1)
        try r.out.write(toFile: dir + "/report.json", atomically: true, encoding: .utf8)
        let page = try run(["report", dir + "/report.json", "--html", dir + "/again.html"])
        XCTAssertEqual(page.status, 0, page.err)
        XCTAssertTrue(try String(contentsOfFile: dir + "/again.html", encoding: .utf8).contains("Per-layer width"))
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let macs = try XCTUnwrap(obj["macs"] as? Int), denseMACs = try XCTUnwrap(obj["denseMACs"] as? Int)
        XCTAssertLessThanOrEqual(Double(macs), 0.5 * Double(denseMACs))
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int)
        let denseSize = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: dense)[.size] as? Int)
        XCTAssertLessThan(size, denseSize, "the saved model is physically smaller")
        let e = try run(["eval", "--model", "lenet5", "--weights", out, "--test-limit", "300", "--json"])
        XCTAssertEqual(e.status, 0, e.err)
        let params = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])?["parameters"] as? Int)
        XCTAssertEqual(params, obj["totalParameters"] as? Int)
        let bad = try run(["prune", "--model", "lenet5", "--weights", dense, "--train-limit", "500", "--test-limit", "100", "--structured",
                           "--ratio", "1.5"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("impossible target"), bad.err)
    }

    /// ThiNet's channel choice with a least-squares refit of the layers that lost inputs keeps more of a
    /// trained CNN at half its FLOPs, before any fine-tuning, than L2 filter norms without a refit; a
    /// ratio search runs under the same target; bad names and targets are clear errors.
    func testThiNetWithARefitBeatsL2WithoutOneAndARatioSearchRuns() throws {
        try requireData()
        let dir = try temporaryDirectory()
        let dense = dir + "/lenet5.safetensors"
        XCTAssertEqual(try run(["train", "--model", "lenet5", "--epochs", "1", "--train-limit", "3000", "--test-limit",
                                "1000", "--out", dense, "--quiet"]).status, 0)
        func pruned(_ extra: [String]) throws -> (accuracy: Double, settings: [String: String]) {
            let r = try run(["prune", "--model", "lenet5", "--weights", dense, "--train-limit", "3000", "--test-limit",
                             "1000", "--structured", "--ratio", "0.5", "--finetune-epochs", "0", "--json", "--quiet"]
                            + extra)
            XCTAssertEqual(r.status, 0, r.err)
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            return (try XCTUnwrap(o["accuracyAfterPruning"] as? Double), o["settings"] as? [String: String] ?? [:])
        }
        let l2 = try pruned([])
        let thinet = try pruned(["--channel-importance", "thinet", "--reconstruct", "weights"])
        print("lenet5 at 50% FLOPs, no fine-tuning: l2 \(l2.accuracy), thinet + least squares \(thinet.accuracy)")
        XCTAssertGreaterThan(thinet.accuracy, l2.accuracy)
        XCTAssertEqual(thinet.settings["reconstruct"], "weights")
        let bad = try run(["prune", "--model", "lenet5", "--weights", dense, "--structured", "--reconstruct", "weight"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("unknown reconstruction weight"), bad.err)
        // An evolutionary ratio search (4 × 2 candidates) under the same FLOPs target.
        let searched = try pruned(["--ratio-search", "evolutionary", "--search-population", "4",
                                   "--search-generations", "2"])
        XCTAssertTrue(searched.settings["search"]?.hasPrefix("evolutionary: best held-out") == true,
                      "\(searched.settings)")
        XCTAssertTrue(searched.settings["search"]?.contains("8 candidates") == true, "\(searched.settings)")
        for (args, message) in [(["--ratio-search", "annealing"], "unknown ratio search annealing"),
                                (["--ratio-search", "random", "--structured-target", "parameters"],
                                 "FLOPs, latency or energy target")] {
            let e = try run(["prune", "--model", "lenet5", "--weights", dense, "--structured", "--test-limit", "100"]
                            + args)
            XCTAssertNotEqual(e.status, 0)
            XCTAssertTrue(e.err.contains(message), e.err)
        }
    }

    /// A latency target (`--speedup`): the table is measured on the engine asked for, the search runs under
    /// it, the found candidates are timed whole, and the report says what the pruned model measured. (How
    /// close it comes is a benchmark's business, not a unit test's: the README has the measured run.)
    func testALatencyTargetIsSearchedAndMeasuredOnPruneAndOnnxruntime() throws {
        try requireData()
        try requirePythonModules(["onnxruntime", "numpy"])
        let dir = try temporaryDirectory()
        let dense = dir + "/lenet5.safetensors"
        XCTAssertEqual(try run(["train", "--model", "lenet5", "--epochs", "1", "--train-limit", "2000", "--test-limit",
                                "200", "--out", dense, "--quiet"]).status, 0)
        for engine in ["prune", "onnxruntime"] {
            let r = try run(["prune", "--model", "lenet5", "--weights", dense, "--train-limit", "3000", "--test-limit",
                             "200", "--structured", "--speedup", "1.3", "--latency-engine", engine, "--latency-batch",
                             "16", "--round-to", "4", "--ratio-search", "random", "--search-population", "4",
                             "--search-generations", "2", "--finetune-epochs", "0", "--json"])
            XCTAssertEqual(r.status, 0, r.err)
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let settings = try XCTUnwrap(o["settings"] as? [String: String])
            let latency = try XCTUnwrap(settings["latency"], "\(settings)")
            XCTAssertTrue(latency.hasPrefix("\(engine), batch 16: dense"), latency)
            XCTAssertTrue(latency.hasSuffix("(target 1.30×)"), latency)
            XCTAssertTrue(settings["search"]?.contains("timed candidates, chosen at") == true, "\(settings)")
            XCTAssertTrue(r.err.contains("latency table on \(engine) (batch 16): 4 layers"), r.err)
            // 1/1.3 of the latency, unless a loaded machine's table cannot predict that low (then it says so).
            XCTAssertTrue(r.err.contains("latency round 1: table budget 76.9%") || r.err.contains("round 1 budgets"),
                          r.err)
        }
        // A table saved by one run is read by the next; one from another engine is refused.
        let table = dir + "/table.json"
        let base = ["prune", "--model", "lenet5", "--weights", dense, "--train-limit", "3000", "--test-limit", "200",
                    "--structured", "--speedup", "1.3", "--latency-batch", "16", "--ratio-search", "random",
                    "--search-population", "4", "--search-generations", "1", "--finetune-epochs", "0",
                    "--latency-table", table]
        let saved = try run(base)
        XCTAssertEqual(saved.status, 0, saved.err)
        XCTAssertTrue(saved.out.contains("latency table saved to \(table)"), saved.out)
        let reused = try run(base)
        XCTAssertEqual(reused.status, 0, reused.err)
        XCTAssertTrue(reused.out.contains("latency table read from \(table) (prune, batch 16, 4 layers)"), reused.out)
        let other = try run(base + ["--latency-engine", "onnxruntime"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.err.contains("was measured on prune at batch 16"), other.err)
        for (args, message) in [(["--speedup", "0.5"], "--speedup must be at least 1"),
                                (["--structured-target", "latency"], "add --ratio-search"),
                                (["--speedup", "2", "--ratio-search", "random", "--latency-engine", "tpu"],
                                 "unknown latency engine tpu")] {
            let e = try run(["prune", "--model", "lenet5", "--weights", dense, "--structured", "--test-limit", "100"]
                            + args)
            XCTAssertNotEqual(e.status, 0)
            XCTAssertTrue(e.err.contains(message), e.err)
        }
    }

    func testAnEnergyTargetBudgetsTheSearchByTheEnergyEstimate() throws {
        try requireData()
        let dir = try temporaryDirectory()
        let dense = dir + "/lenet5.safetensors"
        let limits = ["--train-limit", "3000", "--test-limit", "200"]
        XCTAssertEqual(try run(["train", "--model", "lenet5", "--epochs", "1", "--out", dense, "--quiet"]
                               + limits).status, 0)
        let r = try run(["prune", "--model", "lenet5", "--weights", dense, "--structured", "--structured-target",
                         "energy", "--ratio", "0.6", "--ratio-search", "random", "--search-population", "4",
                         "--search-generations", "2", "--finetune-epochs", "0", "--json"] + limits)
        XCTAssertEqual(r.status, 0, r.err)
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let energy = try XCTUnwrap(o["energy"] as? [String: Double]).values.reduce(0, +)
        let denseEnergy = try XCTUnwrap(o["denseEnergy"] as? [String: Double]).values.reduce(0, +)
        XCTAssertLessThanOrEqual(energy / denseEnergy, 0.6 + 1e-6)
        XCTAssertGreaterThan(energy / denseEnergy, 0.5, "the search keeps close to its budget")
        let search = try XCTUnwrap((o["settings"] as? [String: String])?["search"])
        XCTAssertTrue(search.contains("of the estimated energy"), search)
        let e = try run(["prune", "--model", "lenet5", "--weights", dense, "--structured", "--structured-target",
                         "energy", "--test-limit", "100"])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertTrue(e.err.contains("the energy target is met by a ratio search"), e.err)
    }

    /// Adaptive BatchNorm after structured pruning: the statistics of a BatchNorm network's pruned
    /// layers are re-estimated before it is evaluated.
    func testStructuredPruningRecalibratesBatchNorm() throws {
        try requireData()
        let dir = try temporaryDirectory()
        let dense = dir + "/vgg.safetensors"
        XCTAssertEqual(try run(["train", "--model", "vgg-small", "--epochs", "1", "--train-limit", "600", "--test-limit",
                                "200", "--out", dense, "--quiet"]).status, 0)
        let onnx = dir + "/vgg-pruned.onnx"
        let r = try run(["prune", "--model", "vgg-small", "--weights", dense, "--train-limit", "600", "--test-limit",
                         "200", "--structured", "--ratio", "0.5", "--finetune-epochs", "0", "--recalibrate-bn", "3",
                         "--out", onnx])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("BatchNorm statistics re-estimated on 3 training batches"), r.out)
        // The pruned built-in model written as ONNX scores what the job measured.
        let line = try XCTUnwrap(r.out.split(separator: "\n").first { $0.contains("after removing channels: ") })
        let e = try run(["eval", "--model", onnx, "--test-limit", "200", "--json", "--quiet"])
        XCTAssertEqual(e.status, 0, e.err)
        let eval = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
        let accuracy = try XCTUnwrap((eval["test"] as? [String: Any])?["accuracy"] as? Double)
        XCTAssertTrue(line.contains(String(format: "%.2f%%", accuracy * 100)), "\(line) vs \(accuracy)")
        let bad = try run(["prune", "--model", "vgg-small", "--weights", dense, "--structured", "--recalibrate-bn", "-1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("recalibrate-bn"), bad.err)
    }

    func testLayerOrFilterByCKAReachesTheFLOPsTargetOnAResidualNetwork() throws {
        try requireData()
        let dir = try temporaryDirectory()
        let dense = dir + "/resnet.safetensors"
        let limits = ["--train-limit", "600", "--test-limit", "200"]
        XCTAssertEqual(try run(["train", "--model", "resnet-small", "--epochs", "1", "--out", dense, "--quiet"]
                               + limits).status, 0)
        let r = try run(["prune", "--model", "resnet-small", "--weights", dense, "--structured", "--ratio", "0.6",
                         "--layer-or-filter-cka", "--finetune-epochs", "0", "--json"] + limits)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("step 1: "), r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let setting = try XCTUnwrap((obj["settings"] as? [String: String])?["layer-or-filter"])
        XCTAssertTrue(setting.hasPrefix("cka: "), setting)
        let macs = try XCTUnwrap(obj["macs"] as? Double), denseMACs = try XCTUnwrap(obj["denseMACs"] as? Double)
        XCTAssertLessThanOrEqual(macs / denseMACs, 0.6 + 1e-9)
        XCTAssertGreaterThan(macs / denseMACs, 0.4, "the last step lands near the target")
        let bad = try run(["prune", "--model", "resnet-small", "--weights", dense, "--structured", "--layer-or-filter-cka",
                           "--ratio-search", "random"] + limits)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("layer-or-filter"), bad.err)
    }

    /// DCP with its stage-wise training: the auxiliary losses at the inputs of the layers that read pruned
    /// channels fall over the epochs, and the report says so.
    func testDCPStageTrainingRunsBeforeTheChannelSelection() throws {
        try requireData()
        let dir = try temporaryDirectory()
        let dense = dir + "/lenet5.safetensors"
        let limits = ["--train-limit", "2000", "--test-limit", "200"]
        XCTAssertEqual(try run(["train", "--model", "lenet5", "--epochs", "1", "--out", dense, "--quiet"]
                               + limits).status, 0)
        let r = try run(["prune", "--model", "lenet5", "--weights", dense, "--structured", "--ratio", "0.5",
                         "--channel-importance", "dcp", "--dcp-stage-epochs", "2", "--finetune-epochs", "0",
                         "--json"] + limits)
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let stage = try XCTUnwrap((obj["settings"] as? [String: String])?["dcp-stage"])
        XCTAssertTrue(stage.contains("auxiliary losses at features.3, classifier.1, classifier.3"), stage)
        let losses = stage.components(separatedBy: "per epoch ")[1].components(separatedBy: ";")[0]
            .components(separatedBy: " → ").compactMap(Double.init)
        XCTAssertEqual(losses.count, 2, stage)
        XCTAssertLessThan(losses[1], losses[0], stage)
        let bad = try run(["prune", "--model", "lenet5", "--weights", dense, "--structured", "--dcp-stage-epochs", "1"]
                          + limits)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--channel-importance dcp"), bad.err)
    }

    /// The issue's target: LeNet-300-100 pruned to 90% (global magnitude, iterative with fine-tuning
    /// distilled from the dense model) within 0.5 points of dense. Without distillation this recipe lands
    /// 0.4–1.1 points under the 90.02% dense model (88.9–89.6% over eleven schedules and seeds); with it and
    /// rounds of half the remaining weights, 89.56–89.63% over seeds 0–2 — a margin so thin that the
    /// rounding of the products decided it (on an AVX2 CPU: 0.46 points under dense with OpenBLAS's
    /// products, 0.52 with Prune's). Rounds of 30% (seven instead of four) land 0.34 / 0.41 points under.
    /// Runs with PRUNE_FULL_TRAINING=1 (CI sets it).
    func testNinetyPercentWithinHalfAPointOfDense() throws {
        try requireData()
        guard ProcessInfo.processInfo.environment["PRUNE_FULL_TRAINING"] == "1" else {
            print("SKIP testNinetyPercentWithinHalfAPointOfDense: set PRUNE_FULL_TRAINING=1 (CI does)")
            throw XCTSkip("PRUNE_FULL_TRAINING not set")
        }
        let dir = try temporaryDirectory()
        let dense = dir + "/lenet300.safetensors"
        XCTAssertEqual(try run(["train", "--model", "lenet300", "--epochs", "12", "--seed", "0", "--out", dense, "--quiet"]).status, 0)
        let r = try run(["prune", "--model", "lenet300", "--weights", dense, "--criterion", "magnitude", "--scope", "global",
                         "--sparsity", "0.9", "--schedule", "iterative", "--rate", "0.3", "--finetune-epochs", "2", "--lr-multiplier", "0.5",
                         "--distill-weight", "0.5", "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let denseAcc = try XCTUnwrap(obj["accuracyDense"] as? Double), pruned = try XCTUnwrap(obj["accuracyAfterFineTuning"] as? Double)
        print("lenet300 at 90%: dense \(denseAcc), pruned and fine-tuned \(pruned)")
        XCTAssertEqual(try XCTUnwrap(obj["scopeSparsity"] as? Double), 0.9, accuracy: 1e-5)
        XCTAssertGreaterThanOrEqual(pruned, denseAcc - 0.005)
    }

    /// The issue's structured targets: the CNN at ≤ 50% of its FLOPs within 1.5 points of dense, physically
    /// smaller and faster; the small ResNet with coupled residual channels at half its parameters within
    /// 2 points. Full training runs: PRUNE_FULL_TRAINING=1 (CI sets it).
    func testStructuredTargetsOnTheCNNAndTheResNet() throws {
        try requireData()
        guard ProcessInfo.processInfo.environment["PRUNE_FULL_TRAINING"] == "1" else {
            print("SKIP testStructuredTargetsOnTheCNNAndTheResNet: set PRUNE_FULL_TRAINING=1 (CI does)")
            throw XCTSkip("PRUNE_FULL_TRAINING not set")
        }
        let dir = try temporaryDirectory()
        for (model, epochs, target, ratio, importance, bound, finetune) in [("lenet5", "8", "flops", "0.5", "l2", 0.015, "2"),
                                                                           ("resnet-small", "3", "parameters", "0.5", "bn", 0.02, "1")] {
            let dense = dir + "/\(model).safetensors", out = dir + "/\(model)-small.safetensors"
            XCTAssertEqual(try run(["train", "--model", model, "--epochs", epochs, "--seed", "0", "--out", dense, "--quiet"]).status, 0)
            let r = try run(["prune", "--model", model, "--weights", dense, "--structured", "--structured-target", target, "--ratio", ratio,
                             "--channel-importance", importance, "--finetune-epochs", finetune, "--lr-multiplier", "0.5", "--out", out, "--json", "--quiet"])
            XCTAssertEqual(r.status, 0, r.err)
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let denseAcc = try XCTUnwrap(o["accuracyDense"] as? Double), acc = try XCTUnwrap(o["accuracyAfterFineTuning"] as? Double)
            print("\(model) structured (\(target) \(ratio)): dense \(denseAcc), pruned \(acc), MACs \(o["macs"] ?? "?")/\(o["denseMACs"] ?? "?"), parameters \(o["totalParameters"] ?? "?")/\(o["denseParameters"] ?? "?"), inference \(o["inferenceSecondsPruned"] ?? "?") s vs \(o["inferenceSecondsDense"] ?? "?") s")
            XCTAssertGreaterThanOrEqual(acc, denseAcc - bound, model)
            let key = target == "flops" ? "macs" : "totalParameters", denseKey = target == "flops" ? "denseMACs" : "denseParameters"
            XCTAssertLessThanOrEqual(Double(try XCTUnwrap(o[key] as? Int)), 0.5 * Double(try XCTUnwrap(o[denseKey] as? Int)), model)
            let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int)
            let denseSize = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: dense)[.size] as? Int)
            XCTAssertLessThan(size, denseSize, model)
            // It loads back at its new shapes and scores what the report says.
            let e = try run(["eval", "--model", model, "--weights", out, "--json"])
            XCTAssertEqual(e.status, 0, e.err)
            let eo = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
            XCTAssertEqual(try XCTUnwrap((eo["test"] as? [String: Any])?["accuracy"] as? Double), acc, accuracy: 1e-6)
            XCTAssertEqual(eo["parameters"] as? Int, o["totalParameters"] as? Int)
        }
    }
}
