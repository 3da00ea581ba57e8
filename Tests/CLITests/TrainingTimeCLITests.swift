import Foundation
import PruneModelIO
import XCTest

/// Pruning during and before training, end to end on Fashion-MNIST: every sparse-training method and
/// pruning-at-initialization criterion trains to its exact sparsity, lottery tickets rewind to the
/// initialization, and bad knobs are clear errors.
final class TrainingTimeCLITests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try PruneCLI.run(args) }

    func temporaryDirectory() throws -> String { try PruneCLI.temporaryDirectory("prune-training-time") }

    var small: [String] { small(epochs: 1) }

    func small(epochs: Int) -> [String] {
        ["--model", "lenet300", "--epochs", "\(epochs)", "--train-limit", "4000", "--batch-size", "32",
         "--test-limit", "1000", "--seed", "2", "--json", "--quiet"]
    }

    func zeroFraction(_ path: String) throws -> Double { try PruneCLI.lenet300ZeroFraction(path) }

    func testEveryMethodTrainsToItsSparsityAndLearns() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        let runs = ["rigl", "set", "dns", "agp"].map { ("--sparse-training", $0) }
            + ["snip", "grasp", "synflow", "random"].map { ("--prune-at-init", $0) }
            + ["l1", "hoyer"].map { ("--penalty", $0) }
            + ["str", "l0", "sparse-vd", "gumbel", "gumbel-st"].map { ("--learned-mask", $0) }
        for (option, method) in runs {
            let out = dir + "/\(method).safetensors"
            // DNS keeps its own 10-step interval; sparse VD's KL term is weighted 1/N, which on 4,000 images
            // prunes 99.7% by itself (measured), so it runs at a twentieth of that here.
            let extra = method == "dns" ? [] : method == "sparse-vd" ? ["--mask-strength", "0.05"]
                : option == "--sparse-training" ? ["--update-every", "25"] : []
            // The Gumbel masks learn for 75% of the steps and train the weights under the frozen mask after;
            // one epoch of 4,000 images is too short for that (37–40% measured; 60–65% in three epochs).
            let budget = method.hasPrefix("gumbel") ? small(epochs: 3) : small
            let r = try run(["train", option, method, "--sparsity", "0.9", "--out", out] + extra + budget)
            XCTAssertEqual(r.status, 0, r.err)
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            XCTAssertEqual(try XCTUnwrap(report["sparsity"] as? Double, method), 0.9, accuracy: 1e-4, method)
            let accuracy = try XCTUnwrap((report["test"] as? [String: Any])?["accuracy"] as? Double)
            // 125 Adam steps on 4,000 images: 48.5% (random at init) to 77% (L1, STR) measured; chance is 10%.
            XCTAssertGreaterThan(accuracy, 0.4, "\(method) at 90% learns")
            XCTAssertEqual(try zeroFraction(out), 0.9, accuracy: 1e-3, "\(method): the masks are saved as zeros")
        }
    }

    func testGroupLassoEndsWithWholeRowsPruned() throws {
        try PruneCLI.requireFashionMNIST()
        let out = try temporaryDirectory() + "/gl.safetensors"
        let r = try run(["train", "--penalty", "group-lasso", "--sparsity", "0.5", "--out", out] + small)
        XCTAssertEqual(r.status, 0, r.err)
        let fc1 = try XCTUnwrap(try Safetensors.read(out).tensors["fc1.weight"])
        let zeroRows = (0..<300).filter { r in fc1.scalars[(r * 784)..<((r + 1) * 784)].allSatisfy { $0 == 0 } }
        XCTAssertEqual(zeroRows.count, 150, "half of fc1's neurons go whole")
    }

    func testALotteryTicketRewindsToTheInitializationAndIsSaved() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        let initial = dir + "/init.safetensors"
        XCTAssertEqual(try run(["train", "--model", "lenet300", "--epochs", "0", "--seed", "4", "--train-limit", "100",
                                "--test-limit", "100", "--out", initial, "--quiet"]).status, 0)
        let r = try run(["lottery", "--rounds", "2", "--epochs", "1", "--train-limit", "2000", "--test-limit", "500",
                         "--seed", "4", "--reinit-control", "--out", dir + "/ticket", "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let rounds = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]])
        XCTAssertEqual(rounds.count, 3)
        XCTAssertNotNil(rounds[2]["reinitialized"] as? Double)
        let ticket = try Safetensors.read(dir + "/ticket/ticket.safetensors")
        let masks = try Safetensors.read(dir + "/ticket/masks.safetensors")
        let start = try Safetensors.read(initial)
        for name in ["fc1.weight", "fc2.weight", "fc3.weight"] {
            let t = try XCTUnwrap(ticket.tensors[name]), m = try XCTUnwrap(masks.tensors[name])
            let w = try XCTUnwrap(start.tensors[name])
            for i in 0..<t.count { XCTAssertEqual(t.scalars[i], w.scalars[i] * m.scalars[i], "\(name)[\(i)]") }
        }
        let hidden = try XCTUnwrap(masks.tensors["fc1.weight"]).scalars.filter { $0 != 0 }.count
        XCTAssertEqual(hidden, Int((Double(Int((235_200 * 0.8).rounded())) * 0.8).rounded()), "20% per round, twice")
        XCTAssertEqual(try XCTUnwrap(masks.tensors["fc3.weight"]).scalars.filter { $0 != 0 }.count, 810,
                       "the output layer at half the rate")
        let trained = try Safetensors.read(dir + "/ticket/trained.safetensors")
        let fc1 = try XCTUnwrap(trained.tensors["fc1.weight"]), m1 = try XCTUnwrap(masks.tensors["fc1.weight"])
        XCTAssertTrue(zip(fc1.scalars, m1.scalars).allSatisfy { $1 != 0 || $0 == 0 },
                      "the trained ticket keeps the mask")
    }

    /// A lottery search killed (SIGKILL) after its first pruned round continues from `<out>.resume/` with
    /// `--resume` and writes the same files, byte for byte, as an uninterrupted search.
    func testALotterySearchResumesAfterAKill() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        let args = ["lottery", "--rounds", "3", "--epochs", "1", "--train-limit", "1500", "--test-limit", "300",
                    "--seed", "6", "--random-mask-control", "--threads", "1", "--quiet"]
        XCTAssertEqual(try run(args + ["--out", dir + "/whole"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/whole.resume"), "removed when finished")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try PruneCLI.requireBinary())
        p.arguments = args + ["--out", dir + "/killed"]
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        let progress = dir + "/killed.resume/progress.json", deadline = Date().addingTimeInterval(600)
        func roundsSaved() -> Int {
            guard let d = FileManager.default.contents(atPath: progress),
                  let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return 0 }
            return (o["rounds"] as? [Any])?.count ?? 0
        }
        while roundsSaved() < 2 && p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertGreaterThanOrEqual(roundsSaved(), 2, "killed after round 1 was saved")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/killed/rounds.json"), "killed before the end")
        try FileManager.default.copyItem(atPath: dir + "/killed.resume", toPath: dir + "/other.resume")
        let resumed = try run(args.filter { $0 != "--quiet" } + ["--out", dir + "/killed", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.out.contains("(from the checkpoint)"), resumed.out)
        for file in ["ticket.safetensors", "masks.safetensors", "trained.safetensors", "rounds.json"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/killed/" + file)),
                           try Data(contentsOf: URL(fileURLWithPath: dir + "/whole/" + file)), file)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/killed.resume"), "removed when finished")
        var otherSeed = args
        otherSeed[otherSeed.firstIndex(of: "6")!] = "7"
        let mismatch = try run(otherSeed + ["--out", dir + "/other", "--resume"])
        XCTAssertTrue(mismatch.status != 0 && mismatch.err.contains("different search"), mismatch.err)
    }

    func testBadKnobsAreClearErrors() throws {
        let cases: [([String], String)] = [
            (["train", "--sparse-training", "rigl", "--sparsity", "1"], "density"),
            (["train", "--sparse-training", "rigl", "--sparsity", "0.9", "--update-until", "1.5"], "--update-until"),
            (["train", "--sparse-training", "rigl", "--sparsity", "0.9", "--update-every", "0"], "interval"),
            (["train", "--sparse-training", "magic", "--sparsity", "0.9"], "rigl"),
            (["train", "--sparse-training", "rigl", "--sparsity", "0.9", "--allocation", "lognormal"], "erk"),
            (["train", "--prune-at-init", "grasp", "--sparsity", "0.9", "--temperature", "-1"], "temperature"),
            (["train", "--sparse-training", "rigl", "--prune-at-init", "snip", "--sparsity", "0.9"], "choose one"),
            (["lottery", "--rewind-step", "100000", "--epochs", "1", "--train-limit", "640"], "beyond training"),
            (["lottery", "--rate", "1.5"], "(0, 1)"),
            (["bench", "sparse-training", "--sparsities", "0.9,abc"], "abc"),
            (["train", "--penalty", "l1", "--sparsity", "0.9", "--penalty-weight", "-1"], "--penalty-weight"),
            (["train", "--penalty", "l3", "--sparsity", "0.9"], "group-lasso"),
            (["train", "--learned-mask", "l0", "--mask-strength", "-1"], "strength"),
            (["train", "--learned-mask", "gumble"], "gumbel-st"),
            (["train", "--learned-mask", "str", "--penalty", "l1", "--sparsity", "0.5"], "choose one"),
        ]
        try PruneCLI.requireFashionMNIST()
        for (args, needle) in cases {
            let r = try run(args + ["--epochs", "0"].filter { _ in !args.contains("--epochs") })
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue(r.err.contains(needle), "\(args.joined(separator: " ")): \(r.err)")
            XCTAssertFalse(r.err.contains("Fatal error"), r.err)
        }
    }

    /// A run killed in its second epoch resumes to the uninterrupted run's file, byte for byte: the
    /// masks, the methods' random generators and the learned masks' parameters are in the checkpoint.
    func testTrainingTimeMethodsResumeAfterAKill() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        for method in [["--sparse-training", "rigl", "--update-every", "20"], ["--sparse-training", "dns"],
                       ["--learned-mask", "gumbel-st"], ["--learned-mask", "l0"]] {
            let name = method[1]
            let args = ["train", "--model", "lenet300", "--epochs", "2", "--train-limit", "20000", "--test-limit",
                        "200", "--seed", "4", "--sparsity", "0.9"] + method
            let straight = try run(args + ["--out", dir + "/\(name)-straight.safetensors", "--quiet"])
            XCTAssertEqual(straight.status, 0, straight.err)
            let stopped = dir + "/\(name)-stopped.safetensors"
            let (status, text) = try PruneCLI.stopAtFirstCheckpoint(args, out: stopped)
            XCTAssertEqual(status, 143, "\(name): \(text)")
            let resumed = try run(args + ["--out", stopped, "--resume"])
            XCTAssertEqual(resumed.status, 0, resumed.err)
            XCTAssertTrue((resumed.out + resumed.err).contains("resuming from"), name)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: stopped)),
                           try Data(contentsOf: URL(fileURLWithPath: dir + "/\(name)-straight.safetensors")), name)
        }
    }

    /// `prune prune --schedule dns`: dynamic network surgery on a trained network, the paper's setting.
    func testDynamicNetworkSurgeryPrunesATrainedNetwork() throws {
        let dir = try temporaryDirectory()
        let weights = try PruneCLI.trainSmallLeNet300(in: dir), out = dir + "/dns.safetensors"
        let r = try run(["prune", "--model", "lenet300", "--weights", weights, "--schedule", "dns", "--sparsity", "0.9",
                         "--scope", "layerwise", "--finetune-epochs", "1", "--agp-frequency", "10", "--out", out,
                         "--train-limit", "4000", "--test-limit", "1000", "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(report["scopeSparsity"] as? Double), 0.9, accuracy: 1e-3)
        let pruned = try XCTUnwrap(report["accuracyAfterPruning"] as? Double)
        XCTAssertGreaterThan(try XCTUnwrap(report["accuracyAfterFineTuning"] as? Double), pruned)
        XCTAssertEqual(try zeroFraction(out), 0.9, accuracy: 1e-3, "exact masks, pruned weights stored as zeros")
        let none = try run(["prune", "--model", "lenet300", "--weights", weights, "--schedule", "dns", "--sparsity",
                            "0.9", "--finetune-epochs", "0", "--train-limit", "400", "--test-limit", "100"])
        XCTAssertTrue(none.status != 0 && none.err.contains("fine-tuning"), none.err)
    }

    func testARecipeTrainsASparseNetworkWithATrainingTimeMethod() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        let recipe = dir + "/rigl.yaml", out = dir + "/rigl.safetensors"
        try """
        model: lenet300
        train: {method: rigl, sparsity: 0.9, epochs: 1, seed: 2, update_every: 25, batch_size: 32}
        train_limit: 4000
        test_limit: 1000
        out: \(out)
        """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let r = try run(["run", recipe, "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(report["method"] as? String, "rigl")
        XCTAssertEqual(try XCTUnwrap(report["sparsity"] as? Double), 0.9, accuracy: 1e-4)
        XCTAssertGreaterThan(try XCTUnwrap(report["accuracy"] as? Double), 0.4)
        XCTAssertEqual(try zeroFraction(out), 0.9, accuracy: 1e-3, "the sparse weights are saved")
        let first = try Data(contentsOf: URL(fileURLWithPath: out))
        let resumed = try run(["run", recipe, "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue((resumed.out + resumed.err).contains("no checkpoint at"), resumed.out + resumed.err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), first, "the same seed, the same bytes")
        let page = try run(["run", recipe, "--report", NSTemporaryDirectory() + "unused.html"])
        XCTAssertTrue(page.status != 0 && page.err.contains("--report applies to pruning recipes"), page.err)
        try "train: {method: rigel, sparsity: 0.9}\n".write(toFile: recipe, atomically: true, encoding: .utf8)
        let unknown = try run(["run", recipe])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.err.contains("rigel") && unknown.err.contains("gumbel-st"), unknown.err)
    }

    func testTheComparisonBenchRunsEveryNamedMethod() throws {
        try PruneCLI.requireFashionMNIST()
        let r = try run(["bench", "sparse-training", "--methods", "dense,rigl,random-erk,imp", "--sparsities", "0.8",
                         "--seeds", "1", "--epochs", "1", "--imp-rounds", "1", "--train-limit", "1000",
                         "--test-limit", "300", "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let cells = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]])
        XCTAssertEqual(cells.compactMap { $0["method"] as? String }, ["dense", "rigl", "random-erk", "imp"])
        for cell in cells.dropFirst() {
            let reached = try XCTUnwrap((cell["reachedSparsities"] as? [Double])?.first)
            XCTAssertEqual(reached, 0.8, accuracy: 0.002, "\(cell["method"] ?? "")")
        }
    }
}
