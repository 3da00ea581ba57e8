import Foundation

/// One-shot pruning of a Llama-family decoder as one job: load (GGUF or Hugging Face folder),
/// tokenize the text's calibration and evaluation parts, measure dense perplexity, prune block by
/// block with the method (magnitude, Wanda, SparseGPT, ALPS, …) at a sparsity or N:M pattern,
/// optionally allocated over blocks by OWL, measure pruned perplexity, and export a Hugging Face
/// folder. `prune llm prune` prints it; `prune bench llm` runs it against a PyTorch peer.
public struct DecoderOneShotJob {
    public var model: String
    public var method: any OneShotMethod
    /// Weight sparsity (nil: no pruning, only the dense perplexity).
    public var sparsity: OneShotSparsity?
    /// Spread the sparsity over blocks by outlier ratio (OWL) instead of uniformly.
    public var owl: OWLAllocation?
    /// A text file (gzip or plain) cut into calibration and evaluation parts (``ParagraphText``).
    public var text: String = JargonFile.path
    public var calibrationWindows = 32
    public var calibrationLength = 256
    public var evaluationLength = 256
    public var evaluationStride: Int?
    /// At most this many evaluation windows (nil: the whole evaluation part).
    public var evaluationWindows: Int? = 32
    public var seed: UInt64 = 0
    /// Skip the dense perplexity (saves one evaluation pass).
    public var skipDense = false
    /// Where to write the pruned model as a Hugging Face folder.
    public var out: String?
    /// Where to write the pruned model as a GGUF file (F16 matrices unless `ggufF32`).
    public var ggufOut: String?
    public var ggufF32 = false
    /// Continue a killed run after its last finished block, from the checkpoint folder beside the
    /// output (`<out>.resume/`, or `<gguf-out>.resume/`); checkpoints are written whenever an output is given.
    public var resume = false
    /// Hold one block's weights in memory at a time (``StreamedLlamaModel``) instead of the whole
    /// model; the results are the same.
    public var streaming = true

    public init(model: String, method: any OneShotMethod, sparsity: OneShotSparsity?) {
        self.model = model; self.method = method; self.sparsity = sparsity
    }

    public func run(log: any JobLog = SilentLog()) throws -> DecoderOneShotReport {
        if let out { try AtomicFile.checkDestination(out, folder: true) }
        if let ggufOut { try AtomicFile.checkDestination(ggufOut) }
        let started = monotonicSeconds()
        let source = try LlamaSource.open(model)
        if streaming {
            let streamed = try StreamedLlamaModel(source)
            return try run(streamed, source: source, summary: streamed.summary, started: started, log: log) {
                try streamed.materialize()
            }
        }
        let whole = try source.model()
        return try run(whole, source: source, summary: whole.summary, started: started, log: log) { whole }
    }

    /// The job on a model held whole or streamed; `materialized` gives the whole model for the exports.
    func run<M: CausalBlockLanguageModel>(_ m: M, source: LlamaSource, summary: String, started: Double,
                                          log: any JobLog, materialized: () throws -> LlamaModel) throws
        -> DecoderOneShotReport {
        var report = DecoderOneShotReport(model: model, summary: summary)
        report.loadSeconds = monotonicSeconds() - started
        log.info("\(PathText.short(model)): \(summary); loaded in \(String(format: "%.1f", report.loadSeconds)) s")
        let (evaluation, calibration) = try tokens(source.tokenizer)
        if !skipDense { report.dense = try perplexity(m, evaluation, log: log, label: "dense") }
        if let sparsity {
            report.calibrationTokens = calibration.reduce(0) { $0 + $1.tokenCount }
            let pruning = try prune(m, calibration: calibration, sparsity: sparsity, log: log)
            report.layers = pruning.layers; report.blockSparsities = pruning.blockSparsities
            report.pruneSeconds = pruning.seconds
            report.method = (owl == nil ? "" : "owl+") + method.name
            report.pattern = sparsity.description
            report.peakResidentBytesAfterPruning = peakResidentBytes()
            report.pruned = try perplexity(m, evaluation, log: log, label: "pruned")
        }
        let weights = report.layers.reduce(0) { $0 + $1.shape.reduce(1, *) }
        let zeros = report.layers.reduce(0.0) { $0 + $1.sparsity * Double($1.shape.reduce(1, *)) }
        report.linearSparsity = weights > 0 ? zeros / Double(weights) : 0
        if out != nil || ggufOut != nil {
            let checkpoint = LlamaCheckpoint(model: try materialized(), tokenizer: source.tokenizer,
                                             source: source.path, ggufMetadata: source.ggufMetadata)
            try export(checkpoint, report: &report)
        }
        report.peakResidentBytes = peakResidentBytes()
        checkpoints(log: log)?.finish()
        return report
    }

    /// Writes the requested Hugging Face folder and GGUF file.
    func export(_ ckpt: LlamaCheckpoint, report: inout DecoderOneShotReport) throws {
        if let out {
            let what = report.method.map { "\($0) \(report.pattern ?? "")" } ?? "dense"
            try ckpt.saveHuggingFace(to: out, metadata: ["prune.oneshot": what])
            report.out = out
        }
        if let ggufOut {
            try ckpt.saveGGUF(to: ggufOut, storage: ggufF32 ? .f32 : .f16)
            report.ggufOut = ggufOut
        }
    }

    /// The evaluation part's tokens and the calibration windows drawn from the calibration part.
    public func tokens(_ tokenizer: ByteLevelBPETokenizer) throws -> (evaluation: [Int], calibration: [TokenRows]) {
        let parts = try encodedParts(tokenizer)
        return (parts.evaluation, try calibrationWindows(from: parts.calibration))
    }

    /// The job's calibration windows (count, length, seed) drawn from the tokenized calibration part.
    public func calibrationWindows(from tokens: [Int]) throws -> [TokenRows] {
        try CalibrationWindows.draw(from: tokens, count: calibrationWindows, length: calibrationLength, seed: seed)
    }

    /// The evaluation and calibration parts of the text, tokenized whole.
    public func encodedParts(_ tokenizer: ByteLevelBPETokenizer) throws -> (evaluation: [Int], calibration: [Int]) {
        let parts = try JargonFile.load(text)
        return (tokenizer.encode(parts.text(.evaluation), addBOS: false),
                tokenizer.encode(parts.text(.calibration), addBOS: false))
    }

    /// Prunes `model` in place (OWL allocation first when set); the clock covers both.
    public func prune<M: CausalBlockLanguageModel>(_ model: M, calibration: [TokenRows],
                                                   sparsity: OneShotSparsity, log: any JobLog) throws
        -> (layers: [OneShotLayerResult], blockSparsities: [Double]?, seconds: Double) {
        let t0 = monotonicSeconds()
        let blocks = try owl.map { try $0.blockSparsities(model, calibration: calibration, target: sparsity) }
        let layers = try OneShotPruner(method: method, sparsity: sparsity, blockSparsities: blocks)
            .prune(model, calibration: calibration, checkpoints: checkpoints(log: log)) { log.progress($0) }
        log.endProgress()
        return (layers, blocks?.map(\.fraction), monotonicSeconds() - t0)
    }

    /// The checkpoint folder beside the first output; nil when the job writes none.
    func checkpoints(log: any JobLog) -> OneShotCheckpointFolder? {
        guard let output = out ?? ggufOut, let sparsity else { return nil }
        let size = (try? FileManager.default.attributesOfItem(atPath: model)[.size] as? Int) ?? 0
        let fingerprint = ["llm-oneshot", "\(model)(\(size) bytes)", method.name, sparsity.description,
                           owl.map { "\($0)" } ?? "uniform", text, "\(calibrationWindows)x\(calibrationLength)",
                           "seed \(seed)", "threads \(ProcessInfoCores.count)"].joined(separator: "|")
        return OneShotCheckpointFolder(path: output + JobCheckpoint.suffix, fingerprint: fingerprint, resume: resume,
                                       log: log)
    }

    public func perplexity<M: CausalBlockLanguageModel>(_ model: M, _ tokens: [Int], log: any JobLog,
                                                        label: String) throws -> Perplexity {
        let p = try Perplexity.evaluate(model, tokens: tokens, length: evaluationLength, stride: evaluationStride,
                                        maxWindows: evaluationWindows) { done, all in
            log.progress("\(label) perplexity: window \(done)/\(all)")
        }
        log.endProgress()
        log.info(String(format: "%@ perplexity %.3f over %d tokens in %d windows of %d", label, p.perplexity, p.tokens,
                        p.windows, p.windowLength))
        return p
    }
}

/// What a ``DecoderOneShotJob`` did and measured.
public struct DecoderOneShotReport: Encodable {
    public var model: String
    public var summary: String
    public var method: String?
    public var pattern: String?
    public var dense: Perplexity?
    public var pruned: Perplexity?
    public var calibrationTokens = 0
    public var blockSparsities: [Double]?
    public var linearSparsity = 0.0
    public var layers: [OneShotLayerResult] = []
    public var loadSeconds = 0.0
    public var pruneSeconds = 0.0
    public var peakResidentBytesAfterPruning = 0
    public var peakResidentBytes = 0
    public var out: String?
    public var ggufOut: String?
}
