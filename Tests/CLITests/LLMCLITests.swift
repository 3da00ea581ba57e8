import Foundation
import XCTest
import TestSupport
import PruneModelIO

/// `prune llm` end to end on SmolLM2-135M (`make test` fetches it and the Jargon File) and its
/// one-line errors.
final class LLMCLITests: XCTestCase {
    var cache: String { ProcessInfo.processInfo.environment["PRUNE_CACHE"] ?? (NSHomeDirectory() + "/.cache/prune") }
    var model: String { cache + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" }

    func requireInputs() throws {
        guard FileManager.default.fileExists(atPath: model) else {
            throw MissingTestInput("SmolLM2-135M-Instruct in \(model) (scripts/fetch-smollm2.sh)")
        }
        guard FileManager.default.fileExists(atPath: cache + "/text/jargon.txt.gz") else {
            throw MissingTestInput("the Jargon File in \(cache)/text (scripts/fetch-jargon.sh)")
        }
    }

    func temporary(_ name: String) -> String { NSTemporaryDirectory() + "prune-llm-cli-\(UUID().uuidString)-\(name)" }

    func testPrunePrintsPerplexityAndWritesBothFormats() throws {
        try requireInputs()
        let hf = temporary("hf"), gguf = temporary("m.gguf")
        defer { try? FileManager.default.removeItem(atPath: hf); try? FileManager.default.removeItem(atPath: gguf) }
        let r = try PruneCLI.run(["llm", "prune", "--method", "wanda", "--sparsity", "0.5", "--calibration-windows",
                                  "2",
                                  "--calibration-length", "64", "--eval-windows", "2", "--eval-length", "64",
                                  "--out", hf,
                                  "--gguf-out", gguf, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let dense = try XCTUnwrap((obj["dense"] as? [String: Any])?["perplexity"] as? Double)
        let pruned = try XCTUnwrap((obj["pruned"] as? [String: Any])?["perplexity"] as? Double)
        XCTAssertLessThan(dense, pruned)
        XCTAssertEqual(try XCTUnwrap(obj["linearSparsity"] as? Double), 0.5, accuracy: 1e-6)
        XCTAssertEqual(obj["calibrationTokens"] as? Int, 128)
        for file in ["config.json", "model.safetensors", "tokenizer.json", "generation_config.json",
                     "tokenizer_config.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: hf + "/" + file), file)
        }
        let again = try PruneCLI.run(["llm", "perplexity", "--model", gguf, "--eval-windows", "2", "--eval-length",
                                      "64", "--json"])
        XCTAssertEqual(again.status, 0, again.err)
        let reread = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(again.out.utf8)) as? [String: Any])
        let p = try XCTUnwrap((reread["dense"] as? [String: Any])?["perplexity"] as? Double)
        XCTAssertEqual(p, pruned, accuracy: pruned * 2e-3, "the GGUF export (F16) reads back with the same perplexity")
    }

    func testOneLineErrors() throws {
        try requireInputs()
        let short = temporary("short.txt")
        try "A text far too short for one window of two hundred and fifty-six tokens, repeated once or twice over."
            .write(toFile: short, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: short) }
        let cases: [([String], String)] = [
            (["llm", "perplexity", "--text", short], "shorter than one window of 256"),
            (["llm", "prune", "--sparsity", "1.0"], "must be in [0, 1)"),
            (["llm", "prune", "--sparsity", "0.5", "--owl", "--owl-lambda", "0.6"], "outside [0, 1)"),
            (["llm", "perplexity", "--model", try craft(architecture: "gpt2")], "architecture gpt2 is not supported"),
            (["llm", "perplexity", "--model", try craft(architecture: "llama", tokenizer: "llama")],
             "tokenizer type llama is not supported"),
        ]
        for (args, fragment) in cases {
            let r = try PruneCLI.run(args + ["--calibration-windows", "1"].filter { _ in args[1] == "prune" })
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue(r.err.contains(fragment), "\(args): \(r.err)")
            XCTAssertEqual(r.err.split(separator: "\n").filter { $0.hasPrefix("Error") }.count, 1, r.err)
        }
    }

    func testStructuredPrintsBothPerplexitiesAndItsErrors() throws {
        try requireInputs()
        let r = try PruneCLI.run(["llm", "structured", "--axis", "depth", "--remove", "0.1", "--calibration-windows",
                                  "2", "--calibration-length", "64", "--eval-windows", "2", "--eval-length", "64",
                                  "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual((obj["removedBlocks"] as? [Int])?.count, 3, "10% of 30 equal blocks is 3 blocks")
        for key in ["dense", "pruned", "refitted"] {
            XCTAssertNotNil((obj[key] as? [String: Any])?["perplexity"] as? Double, key)
        }
        let cases: [([String], String)] = [
            (["--axis", "heads", "--remove", "0.3"], "heads alone can remove at most 16.7% of the block weights"),
            (["--axis", "heads", "--keep-heads", "4"], "allows keeping 3, 6, 9"),
            (["--axis", "width", "--keep-heads", "3"], "--keep-heads needs --axis heads"),
            (["--remove", "1.2"], "--remove must be in (0, 1)"),
            (["--importance", "taylor"], "unknown structured importance taylor"),
            (["--block-excess", "0.1"], "--block-excess bounds --spread global"),
        ]
        for (args, fragment) in cases {
            let e = try PruneCLI.run(["llm", "structured", "--calibration-windows", "1", "--calibration-length", "32",
                                      "--eval-windows", "1", "--skip-dense"] + args)
            XCTAssertNotEqual(e.status, 0, args.joined(separator: " "))
            XCTAssertTrue(e.err.contains(fragment), "\(args): \(e.err)")
            XCTAssertEqual(e.err.split(separator: "\n").filter { $0.hasPrefix("Error") }.count, 1, e.err)
        }
    }

    func testStructuredToAFLOPsTargetWithBoundedBlocks() throws {
        try requireInputs()
        let r = try PruneCLI.run(["llm", "structured", "--axis", "global", "--spread", "global", "--remove", "0.2",
                                  "--target", "flops", "--flops-context", "512", "--block-excess", "0.1", "--no-refit",
                                  "--calibration-windows", "1", "--calibration-length", "32", "--eval-windows", "1",
                                  "--eval-length", "32", "--skip-dense", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(obj["target"] as? String, "decoding FLOPs at context 512")
        let dense = try XCTUnwrap(obj["denseCost"] as? Int), pruned = try XCTUnwrap(obj["prunedCost"] as? Int)
        // 30 blocks of 2·3,538,944 weights + 4·64·512 per query head (9 each) per token.
        XCTAssertEqual(dense, 30 * (2 * 3_538_944 + 4 * 64 * 512 * 9))
        XCTAssertGreaterThanOrEqual(1 - Double(pruned) / Double(dense), 0.2)
        let shapes = try XCTUnwrap(obj["shapes"] as? [[String: Any]])
        let limit = 0.3 * Double(2 * 3_538_944 + 4 * 64 * 512 * 9)
        for (b, s) in shapes.enumerated() {
            let heads = try XCTUnwrap(s["headCount"] as? Int), groups = try XCTUnwrap(s["keyValueHeadCount"] as? Int)
            let units = try XCTUnwrap(s["intermediateSize"] as? Int)
            let weights = 576 * 64 * (2 * heads + 2 * groups) + 3 * 576 * units
            let cut = Double(2 * 3_538_944 + 4 * 64 * 512 * 9 - (2 * weights + 4 * 64 * 512 * heads))
            XCTAssertLessThanOrEqual(cut, limit, "block \(b) loses at most 20% + 10% of its FLOPs")
        }
    }

    func testStructuredWithHeadAblationAndDistillation() throws {
        try requireInputs()
        let r = try PruneCLI.run(["llm", "structured", "--axis", "heads", "--remove", "0.1", "--ablate-heads", "1",
                                  "--calibration-windows", "2", "--calibration-length", "32", "--eval-windows", "2",
                                  "--eval-length", "64", "--distill-steps", "2", "--distill-length", "32", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertTrue((obj["importance"] as? String ?? "").contains("heads by ablation on 1 windows"), r.out)
        let refitted = try XCTUnwrap((obj["refitted"] as? [String: Any])?["perplexity"] as? Double)
        let distilled = try XCTUnwrap((obj["distilled"] as? [String: Any])?["perplexity"] as? Double)
        XCTAssertTrue(distilled.isFinite && refitted.isFinite)
        let d = try XCTUnwrap(obj["distillation"] as? [String: Any])
        XCTAssertEqual((d["losses"] as? [Double])?.count, 2)
        XCTAssertEqual(d["trainables"] as? String, "lora")
        XCTAssertEqual(d["tokens"] as? Int, 64)
        let e = try PruneCLI.run(["llm", "structured", "--distill-steps", "1", "--distill-train", "norms"])
        XCTAssertTrue(e.err.contains("--distill-train must be lora or all"), e.err)
        let g = try PruneCLI.run(["llm", "structured", "--axis", "global", "--ablate-heads", "1",
                                  "--calibration-windows", "1", "--calibration-length", "32", "--eval-windows", "1",
                                  "--skip-dense"])
        XCTAssertTrue(g.err.contains("--ranking standardized"), g.err)
    }

    /// `--logits-out` writes the logits of the windows the perplexity scores: NumPy recomputes that
    /// perplexity from the file and its token ids.
    func testPerplexityWritesItsLogitsForNumPy() throws {
        try requireInputs()
        try requirePythonModules(["numpy"])
        let out = temporary("logits.npy")
        defer {
            for f in [out, String(out.dropLast(4)) + ".ids.npy"] { try? FileManager.default.removeItem(atPath: f) }
        }
        let r = try PruneCLI.run(["llm", "perplexity", "--eval-windows", "2", "--eval-length", "24",
                                  "--logits-out", out, "--logits-windows", "2", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let ours = try XCTUnwrap((obj["dense"] as? [String: Any])?["perplexity"] as? Double)
        let script = """
            import numpy as np, sys
            l = np.load(sys.argv[1]).astype(np.float64); ids = np.load(sys.argv[1][:-4] + '.ids.npy')
            m = l[:, :-1].max(-1, keepdims=True)
            lse = np.log(np.exp(l[:, :-1] - m).sum(-1)) + m[..., 0]
            nll = lse - np.take_along_axis(l[:, :-1], ids[:, 1:, None], -1)[..., 0]
            print(l.shape, ids.shape, np.exp(nll.mean()))
            """
        let line = try pythonOutput(script, arguments: [out])
        XCTAssertTrue(line.hasPrefix("(2, 24, 49152) (2, 24) "), line)
        let value = line.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        let numpy = try XCTUnwrap(Double(value), line)
        XCTAssertEqual(numpy, ours, accuracy: 1e-6 * ours)
    }

    func testBenchGenerateTimesEveryForm() throws {
        try requireInputs()
        let r = try PruneCLI.run(["bench", "generate", "--axes", "width", "--fractions", "0.3", "--sparsities", "0.7",
                                  "--prompt", "8", "--new", "4", "--repeats", "1", "--calibration-windows", "1",
                                  "--no-torch", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let rows = try XCTUnwrap(obj["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.compactMap { $0["name"] as? String }, ["dense", "width −30%", "wanda 70%", "int8 weights"])
        for row in rows { XCTAssertGreaterThan(row["tokensPerSecond"] as? Double ?? 0, 0, "\(row)") }
        let weights = rows.compactMap { $0["blockWeights"] as? Int }
        XCTAssertEqual(Double(weights[1]) / Double(weights[0]), 0.7, accuracy: 0.01)
        XCTAssertEqual(rows[3]["formats"] as? String, "int8 × 210")
        XCTAssertFalse((rows[2]["formats"] as? String ?? "").isEmpty)
    }

    /// A tiny GGUF file with the given architecture and tokenizer type.
    func craft(architecture: String, tokenizer: String = "gpt2") throws -> String {
        var w = GGUFWriter()
        w.metadata = [("general.architecture", .string(architecture)), ("llama.block_count", .uint32(1)),
                      ("llama.embedding_length", .uint32(8)), ("llama.feed_forward_length", .uint32(8)),
                      ("llama.attention.head_count", .uint32(2)), ("tokenizer.ggml.model", .string(tokenizer))]
        let path = temporary("crafted.gguf")
        try w.write(to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
