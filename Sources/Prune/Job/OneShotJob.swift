import Foundation

/// Retraining-free pruning of a BERT sentence encoder as one job: blocks by Block Influence, then
/// attention heads, then weights (magnitude, Wanda, SparseGPT), scored by embedding fidelity to the
/// dense model on held-out sentences; optionally timed in a sparse format. `prune oneshot` prints it.
public struct OneShotJob {
    public var modelDirectory: String
    public var method: any OneShotMethod
    /// Weight sparsity (nil: no weight pruning).
    public var sparsity: OneShotSparsity?
    public var removeHeads = 0
    public var headImportance = HeadImportance.ablation
    public var removeBlocks = 0
    /// Sentence file and the disjoint calibration / evaluation sets drawn from it.
    public var text: String
    public var calibrationCount = 128
    public var evaluationCount = 256
    public var queries = 64
    public var batchSize = 32
    public var seed: UInt64 = 0
    /// Also run the pruned model with sparse Linear layers in this format (timed at `sparseRows` for auto).
    public var sparseFormat: SparseFormatChoice?
    public var sparseRows = 32
    /// Where to write the pruned model folder.
    public var out: String?
    /// Continue a killed run after its last finished block (checkpoints in `<out>.resume/`, written
    /// whenever `out` is given; blocks and heads are removed again first, as they are seeded).
    public var resume = false

    public init(modelDirectory: String, method: any OneShotMethod, sparsity: OneShotSparsity?, text: String) {
        self.modelDirectory = modelDirectory; self.method = method; self.sparsity = sparsity; self.text = text
    }

    public func run(log: any JobLog = SilentLog()) throws -> OneShotJobReport {
        if let out { try AtomicFile.checkDestination(out, folder: true) }
        let ckpt = try BertCheckpoint.load(directory: modelDirectory)
        let corpus = try SentenceCorpus(file: text, calibrationCount: calibrationCount,
                                        evaluationCount: evaluationCount, seed: seed)
        let calibration = corpus.calibrationBatches(ckpt.tokenizer, batchSize: batchSize)
        let net = ckpt.model
        let before = net.parameterCount
        log.info("\(modelDirectory): \(net.layers.count) blocks, heads \(net.headsPerLayer), \(before) parameters; "
                 + "\(calibrationCount) calibration and \(evaluationCount) evaluation sentences from \(text)")
        let (dense, denseSeconds) = try Self.timeEncoding(net, corpus.evaluation, ckpt.tokenizer, batchSize: batchSize)
        let t0 = monotonicSeconds()
        var report = try prune(net, calibration: calibration, log: log)
        report.pruneSeconds = monotonicSeconds() - t0
        let (pruned, prunedSeconds) = try Self.timeEncoding(net, corpus.evaluation, ckpt.tokenizer,
                                                            batchSize: batchSize)
        report.fidelity = try EmbeddingFidelity.measure(dense: dense, pruned: pruned, queries: queries)
        let linears = net.layers.flatMap { $0.linearLayers.map(\.layer.prunableWeight.value) }
        report.encoderLinearWeights = linears.reduce(0) { $0 + $1.count }
        let zeros = linears.reduce(0) { $0 + $1.scalars.reduce(0) { $0 + ($1 == 0 ? 1 : 0) } }
        report.encoderLinearSparsity = Double(zeros) / Double(max(report.encoderLinearWeights, 1))
        // Saved before any sparse conversion: the converted layers are inference-only.
        if let out {
            try ckpt.save(net, to: out,
                          metadata: ["prune.oneshot": sparsity.map { "\(method.name) \($0)" } ?? "structured"])
        }
        if let sparseFormat { report.sparse = try sparseRun(net, format: sparseFormat, corpus: corpus,
                                                            tokenizer: ckpt.tokenizer) }
        report.model = modelDirectory
        report.parametersBefore = before
        report.parametersAfter = net.parameterCount
        report.headsPerLayer = net.headsPerLayer
        report.denseSeconds = denseSeconds
        report.prunedSeconds = prunedSeconds
        report.peakResidentBytes = peakResidentBytes()
        report.out = out
        checkpoints(log: log)?.finish()
        return report
    }

    /// The checkpoint folder beside the output; nil when the job writes none or prunes no weights.
    func checkpoints(log: any JobLog) -> OneShotCheckpointFolder? {
        guard let out, let sparsity else { return nil }
        let fingerprint = ["oneshot", modelDirectory, method.name, sparsity.description, "heads \(removeHeads) "
                           + headImportance.rawValue, "blocks \(removeBlocks)", text,
                           "\(calibrationCount)/\(evaluationCount)", "batch \(batchSize)", "seed \(seed)",
                           "threads \(ProcessInfoCores.count)"].joined(separator: "|")
        return OneShotCheckpointFolder(path: out + JobCheckpoint.suffix, fingerprint: fingerprint, resume: resume,
                                       log: log)
    }

    /// Blocks, then heads, then weights.
    private func prune(_ net: BertModel, calibration: [TokenBatch], log: any JobLog) throws -> OneShotJobReport {
        var report = OneShotJobReport()
        report.method = sparsity == nil ? nil : method.name
        report.sparsityPattern = sparsity?.description
        if removeBlocks > 0 {
            let r = try BlockInfluence().prune(net, count: removeBlocks, calibration: calibration)
            report.removedBlocks = r.removed; report.blockInfluence = r.scores
            log.info("block influence " + r.scores.map { String(format: "%.4f", $0) }.joined(separator: " ")
                     + "; removed blocks \(r.removed)")
        }
        if removeHeads > 0 {
            let r = try HeadPruner(importance: headImportance).prune(net, count: removeHeads,
                                                                     calibration: calibration) {
                log.progress($0)
            }
            log.endProgress()
            report.removedHeads = r.map { [$0.layer, $0.head] }
            log.info("removed \(r.count) heads by \(headImportance.rawValue); heads per layer now \(net.headsPerLayer)")
        }
        if let sparsity {
            report.layers = try OneShotPruner(method: method, sparsity: sparsity)
                .prune(net, calibration: calibration, checkpoints: checkpoints(log: log)) { log.progress($0) }
            log.endProgress()
        }
        return report
    }

    /// Dense against sparse kernels on the same pruned model, batched and one sentence at a time.
    private func sparseRun(_ net: BertModel, format: SparseFormatChoice, corpus: SentenceCorpus,
                           tokenizer: WordPieceTokenizer) throws -> OneShotJobReport.SparseRun {
        let single = Array(corpus.evaluation.prefix(64))
        let (denseBatched, dT) = try Self.timeEncoding(net, corpus.evaluation, tokenizer, batchSize: batchSize)
        let (_, d1) = try Self.timeEncoding(net, single, tokenizer, batchSize: 1)
        let converted = try format.apply(to: net, batch: sparseRows)
        let (sparseBatched, sT) = try Self.timeEncoding(net, corpus.evaluation, tokenizer, batchSize: batchSize)
        let (_, s1) = try Self.timeEncoding(net, single, tokenizer, batchSize: 1)
        let diff = zip(denseBatched.scalars, sparseBatched.scalars).map { abs($0 - $1) }.max() ?? 0
        return .init(layers: converted.filter { $0.format != "dense" }.count,
                     formats: Dictionary(converted.map { ($0.format, 1) }, uniquingKeysWith: +),
                     sentences: corpus.evaluation.count, batchSize: batchSize, denseSeconds: dT, sparseSeconds: sT,
                     singleSentences: single.count, denseSecondsBatch1: d1, sparseSecondsBatch1: s1, maxEmbeddingDifference: diff)
    }

    /// Encodes `texts` warm: one untimed warm-up, then the median of three timed encodings (the dense
    /// and the sparse model are timed the same way).
    public static func timeEncoding(_ net: BertModel, _ texts: [String], _ tok: WordPieceTokenizer,
                                    batchSize: Int) throws -> (Tensor, Double) {
        var out = Tensor.zeros([0])
        let seconds = try MedianTiming(rounds: 3, minSeconds: 0).seconds {
            out = try net.sentenceEmbeddings(texts, tokenizer: tok, batchSize: batchSize)
        }
        return (out, seconds)
    }
}

/// What a ``OneShotJob`` did and measured.
public struct OneShotJobReport: Encodable {
    public var model = ""
    public var method: String?
    public var sparsityPattern: String?
    public var removedBlocks: [Int] = []
    public var blockInfluence: [Double]?
    public var removedHeads: [[Int]] = []
    public var headsPerLayer: [Int] = []
    public var parametersBefore = 0
    public var parametersAfter = 0
    public var encoderLinearWeights = 0
    public var encoderLinearSparsity = 0.0
    public var layers: [OneShotLayerResult] = []
    public var fidelity: EmbeddingFidelity?
    public var denseSeconds = 0.0
    public var prunedSeconds = 0.0
    public var pruneSeconds = 0.0
    public var sparse: SparseRun?
    public var peakResidentBytes = 0
    public var out: String?

    public struct SparseRun: Encodable {
        public var layers: Int
        public var formats: [String: Int]
        public var sentences: Int
        public var batchSize: Int
        public var denseSeconds: Double
        public var sparseSeconds: Double
        public var singleSentences: Int
        public var denseSecondsBatch1: Double
        public var sparseSecondsBatch1: Double
        public var maxEmbeddingDifference: Float
    }
}
