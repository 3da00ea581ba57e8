import ArgumentParser
import Foundation
import Prune

/// `prune bench llm`: the decoder one-shot table on SmolLM2-135M (method × sparsity → perplexity on
/// the evaluation text, pruning time), with the PyTorch peer (`scripts/llm_peer.py`: transformers
/// model, reference-faithful Wanda, SparseGPT, magnitude, OWL) on the same calibration windows and
/// evaluation windows, and the timed Wanda and SparseGPT jobs (median of `--repeats` on each side).
struct BenchLLM: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "llm",
                                                    abstract: "One-shot pruning of SmolLM2-135M vs the PyTorch peer.")

    @Option(help: "GGUF file or Hugging Face folder, or smollm2.") var model: String = "smollm2"
    @Option(help: "Methods (owl+X allocates by OWL first).")
    var methods: String = "magnitude,wanda,sparsegpt,owl+wanda,owl+sparsegpt,alps"
    @Option(help: "Sparsities: fractions or N:M.") var sparsities: String = "0.5,0.6,0.7,2:4,4:8"
    @Option(help: "Text file (default: the Jargon File).") var text: String?
    @Option(name: .customLong("calibration-windows")) var calibrationWindows: Int = 16
    @Option(name: .customLong("calibration-length")) var calibrationLength: Int = 256
    @Option(name: .customLong("eval-windows")) var evalWindows: Int = 16
    @Option(name: .customLong("eval-length")) var evalLength: Int = 256
    @Option(help: ArgumentHelp("Timed runs of Wanda and SparseGPT at the first sparsity on each side, the median "
                               + "reported (0: none)."))
    var repeats: Int = 3
    @Flag(help: "Skip the PyTorch peer.") var noTorch = false
    @OptionGroup var common: CommonOptions

    struct Cell: Encodable {
        var method: String, sparsity: String, perplexity: Double, seconds: Double
        var torchPerplexity: Double?, torchSeconds: Double?
    }

    struct Report: Encodable { var cells: [Cell], timing: [Timing] }

    func validate() throws {
        for (v, name) in [(calibrationWindows, "--calibration-windows"), (calibrationLength, "--calibration-length"),
                          (evalWindows, "--eval-windows")] { try OptionBounds.atLeast(v, 1, name) }
        try OptionBounds.atLeast(repeats, 0, "--repeats")
        try OptionBounds.atLeast(evalLength, 2, "--eval-length")
    }

    func job(_ method: String, _ sparsity: String?) throws -> DecoderOneShotJob {
        let base = method.hasPrefix("owl+") ? String(method.dropFirst(4)) : method
        let s = try sparsity.map { try LLMPrune.parseSparsity($0) }
        let chosen: any OneShotMethod = base == "dense" ? Wanda() : try OneShotMethods.named(base)
        var j = DecoderOneShotJob(model: try LLMCommand.modelPath(model), method: chosen, sparsity: s)
        j.owl = method.hasPrefix("owl+") ? OWLAllocation() : nil
        j.text = text ?? JargonFile.path
        j.calibrationWindows = calibrationWindows; j.calibrationLength = calibrationLength
        j.evaluationLength = evalLength; j.evaluationWindows = evalWindows; j.seed = common.seed ?? 0
        return j
    }

    func run() throws {
        let console = Console(quiet: false, json: common.json)
        let probe = try job("wanda", nil)
        let (evaluation, calibration) = try probe.tokens(try LlamaCheckpoint.load(probe.model).tokenizer)
        let windowsFile = try writeWindows(evaluation: evaluation, calibration: calibration)
        defer { try? FileManager.default.removeItem(atPath: windowsFile) }
        var cells: [Cell] = [try measure("dense", nil, evaluation, calibration, windowsFile, console)]
        for s in sparsities.split(separator: ",").map(String.init) {
            // OWL allocates unstructured sparsity; N:M fixes every layer's.
            for m in methods.split(separator: ",").map(String.init) where !(m.hasPrefix("owl+") && s.contains(":")) {
                cells.append(try measure(m, s, evaluation, calibration, windowsFile, console))
            }
        }
        let timing = try timed(evaluation, calibration, windowsFile, console)
        if common.json { try console.emitJSON(Report(cells: cells, timing: timing)); return }
        printTable(cells, timing: timing, console: console)
    }
}
