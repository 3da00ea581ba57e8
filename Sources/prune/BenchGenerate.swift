import ArgumentParser
import Foundation
import Prune

/// `prune bench generate`: greedy-decoding tokens/s of a decoder dense, structurally pruned, sparse
/// (Wanda, fastest format per layer) and in int8, with transformers' `generate` (scripts/generate_peer.py)
/// on the dense model at the same threads in the same run.
struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Greedy decoding tokens/s: dense, structured, sparse and int8 forms vs transformers.",
        discussion: """
        Batch 1, a prompt of --prompt tokens from the evaluation text, --new tokens one at a time with the key/value
        cache, tokens/s of the whole call (prefill included), the median of --repeats runs after one warm-up; the
        peer is measured the same way. Run it on a quiet machine.
        """)

    @Option(help: "GGUF file or Hugging Face folder, or smollm2.") var model: String = "smollm2"
    @Option(help: "Structured axes (width, depth, global, heads, query-heads); empty: none.")
    var axes: String = "width,depth,global"
    @Option(help: "Fractions of the block weights removed by each structured axis.") var fractions: String = "0.3,0.5"
    @Option(help: "Wanda sparsities run with sparse kernels; empty: none.") var sparsities: String = "0.5,0.7"
    @Flag(name: .customLong("no-int8"), help: "Skip the int8-weights row.") var noInt8 = false
    @Option(help: "Prompt tokens.") var prompt: Int = 64
    @Option(name: .customLong("new"), help: "New tokens per run.") var newTokens: Int = 128
    @Option(help: "Timed runs per row (median).") var repeats: Int = 3
    @Option(help: "Text file (default: the Jargon File).") var text: String?
    @Option(name: .customLong("calibration-windows"), help: "Calibration windows for the scores and Wanda.")
    var calibrationWindows: Int = 8
    @Flag(help: "Skip the transformers peer.") var noTorch = false
    @OptionGroup var allocation: StructureAllocationOptions
    @OptionGroup var common: CommonOptions

    struct Report: Encodable { var rows: [GenerationBenchmark.Row]; var peerTokensPerSecond: Double? }

    func validate() throws {
        for (v, name) in [(prompt, "--prompt"), (newTokens, "--new"), (repeats, "--repeats"),
                          (calibrationWindows, "--calibration-windows")] { try OptionBounds.atLeast(v, 1, name) }
        _ = try bench()
    }

    func bench() throws -> GenerationBenchmark {
        func list(_ s: String) -> [String] { s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        var b = GenerationBenchmark(model: try LLMCommand.modelPath(model))
        b.structuredAxes = try list(axes).map {
            guard let a = LlamaStructureAxis(rawValue: $0) else { throw ValidationError("unknown axis \($0)") }
            return a
        }
        b.structuredFractions = try OptionLists.sparsities(fractions, "--fractions")
        allocation.configure(&b.allocation)
        b.sparsities = try OptionLists.sparsities(sparsities, "--sparsities")
        b.int8 = !noInt8
        b.speed = GenerationSpeed(promptTokens: prompt, newTokens: newTokens, repeats: repeats)
        b.text.text = text ?? JargonFile.path
        b.text.calibrationWindows = calibrationWindows
        b.text.seed = common.seed ?? 0
        return b
    }

    func run() throws {
        let console = Console(quiet: false, json: common.json)
        let b = try bench()
        let rows = try b.run(log: console) { r in
            console.info(String(format: "%@: %.1f tokens/s", r.name, r.tokensPerSecond))
        }
        let threads = common.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let peer = noTorch ? nil : PythonPeer.objects([
            "scripts/generate_peer.py", b.model, "\(threads)", "\(prompt)", "\(newTokens)", "\(repeats)",
        ]).first?["tokens_per_second"] as? Double
        if common.json { try console.emitJSON(Report(rows: rows, peerTokensPerSecond: peer)); return }
        let dense = rows.first?.tokensPerSecond ?? 1
        console.result("| model | block weights | tokens/s | × dense | formats |")
        console.result("|---|---|---|---|---|")
        for r in rows {
            console.result(String(format: "| %@ | %d | %.1f | %.2f | %@ |", r.name, r.blockWeights, r.tokensPerSecond,
                                  r.tokensPerSecond / dense, r.formats ?? ""))
        }
        if let peer {
            console.result(String(format: "| transformers generate, dense (%d threads) | | %.1f | %.2f | PyTorch |",
                                  threads, peer, peer / dense))
        } else if !noTorch {
            console.result("transformers peer: not run (python3 with torch, transformers and accelerate is needed)")
        }
    }
}
