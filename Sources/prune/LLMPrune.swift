import ArgumentParser
import Foundation
import Prune

/// `prune llm prune`: one-shot pruning of a decoder, block by block, with perplexity before and after.
struct LLMPrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Prune a decoder one-shot (magnitude, Wanda, SparseGPT, ALPS; OWL) and measure perplexity.",
        discussion: """
        Calibration windows are drawn (seeded) from the first half of the text, perplexity is measured on the
        second half. --out writes a Hugging Face folder (config.json, model.safetensors, tokenizer.json) that
        transformers loads; --gguf-out a GGUF file.
        """)

    @OptionGroup var text: LLMTextOptions

    @Option(help: "magnitude, wanda, sparsegpt, alps, or a label-free criterion (l2, random, …).")
    var method: String = "wanda"

    @Option(help: "Fraction of each Linear weight to remove, or N:M such as 2:4.")
    var sparsity: String = "0.5"

    @Flag(help: "Allocate the sparsity over blocks by outlier ratio (OWL, Yin et al. 2024) instead of uniformly.")
    var owl = false

    @Option(name: .customLong("owl-lambda"), help: "OWL: the largest deviation of a block's sparsity from the target.")
    var owlLambda: Double = 0.08

    @Option(name: .customLong("owl-m"), help: "OWL: a score is an outlier above this multiple of its block's mean.")
    var owlM: Double = 5

    @OptionGroup var pruning: LLMRunOptions

    @Flag(help: "Continue a killed run after its last finished block (checkpoints in <out>.resume/).")
    var resume = false

    @Flag(name: .customLong("in-memory"),
          help: "Hold the whole Float32 model in memory instead of streaming it one block at a time (same results).")
    var inMemory = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        try OptionBounds.atLeast(owlM, 0.0, "--owl-m")
        try OptionBounds.atLeast(owlLambda, 0.0, "--owl-lambda")
    }

    func sparsityValue() throws -> OneShotSparsity { try Self.parseSparsity(sparsity) }

    static func parseSparsity(_ sparsity: String) throws -> OneShotSparsity {
        if sparsity.contains(":") { return try OneShotSparsity(pattern: SparsityPattern.parse(sparsity),
                                                               sparsity: nil) }
        guard let f = Double(sparsity) else {
            throw CLIError("--sparsity must be a fraction (0.5) or N:M (2:4), got \(sparsity)")
        }
        return try OneShotSparsity(pattern: .unstructured, sparsity: f)
    }

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        do {
            var job = DecoderOneShotJob(model: try LLMCommand.modelPath(text.model),
                                        method: try OneShotMethods.named(method),
                                        sparsity: try sparsityValue())
            text.configure(&job)
            job.owl = owl ? OWLAllocation(outlierMultiple: owlM, lambda: owlLambda) : nil
            pruning.configure(&job, seed: common.seed)
            job.resume = resume
            job.streaming = !inMemory
            let r = try job.run(log: console)
            if common.json { try console.emitJSON(r); return }
            let dense = r.dense.map { String(format: "%.3f", $0.perplexity) } ?? "not measured"
            console.result(String(format: "%@ %@: perplexity %@ → %.3f (%d tokens, %d windows of %d); "
                                  + "Linear weights %.1f%% zero; pruned in %.1f s on %d calibration tokens; "
                                  + "peak memory %.0f MB", r.method ?? "", r.pattern ?? "", dense,
                                  r.pruned?.perplexity ?? .nan, r.pruned?.tokens ?? 0,
                                  r.pruned?.windows ?? 0, r.pruned?.windowLength ?? 0, r.linearSparsity * 100,
                                  r.pruneSeconds, r.calibrationTokens, Double(r.peakResidentBytesAfterPruning) / 1e6))
            if let b = r.blockSparsities {
                console.result("OWL block sparsities: " + b.map { String(format: "%.3f", $0) }.joined(separator: " "))
            }
            for o in [r.out, r.ggufOut].compactMap({ $0 }) { console.result("wrote \(o)") }
        } catch let e as CLIError { throw e } catch let e as ValidationError { throw e } catch let e as OneShotStopped {
            throw console.stoppedOnRequest("llm prune: \(e)", checkpoint: "the .resume folder beside the output")
        } catch {
            throw CLIError("llm prune: \(error)")
        }
    }
}
