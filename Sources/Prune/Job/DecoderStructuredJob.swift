import Foundation

/// Structured pruning of a Llama-family decoder as one job: load, score every group, query head,
/// SwiGLU unit and block on calibration text (one dense pass), allocate a target fraction of the
/// block weights over the chosen axis, remove the structures physically, and measure perplexity
/// dense, before recovery and after the least-squares refit (the same plan applied to two copies
/// of the model), with greedy-decoding speed. Text, windows, seed and outputs come from `base`.
public struct DecoderStructuredJob {
    /// Model path, text, calibration/evaluation windows, seed, outputs (its method is unused).
    public var base: DecoderOneShotJob
    public var allocator: LlamaStructureAllocator
    public var importance: any StructureImportance = FluctuationImportance()
    /// Score heads and key/value groups by ablation (the model's KL when each is removed) instead.
    public var headAblation: HeadAblation?
    /// Also prune a second copy with the least-squares refit and measure it (the exported model is
    /// the refitted one when set).
    public var refit = true
    /// Measure greedy decoding speed (tokens/s) of the dense and pruned models.
    public var speed: GenerationSpeed?
    /// Distil the recovered model (the refitted one when `refit` is set) from the dense model after the
    /// cut, on fresh windows of the calibration text; the exported model is then the distilled one.
    public var distillation: LogitDistillation?
    /// Tokens per distillation window.
    public var distillationLength = 256

    public init(base: DecoderOneShotJob, allocator: LlamaStructureAllocator) {
        self.base = base; self.allocator = allocator
    }

    public func run(log: any JobLog = SilentLog()) throws -> DecoderStructuredReport {
        if let out = base.out { try AtomicFile.checkDestination(out, folder: true) }
        if let g = base.ggufOut { try AtomicFile.checkDestination(g) }
        let ckpt = try LlamaCheckpoint.load(base.model)
        log.info("\(PathText.short(base.model)): \(ckpt.model.summary)")
        let importanceName = importance.name
            + (headAblation.map { "; heads by ablation on \($0.windows) windows" } ?? "")
        var report = DecoderStructuredReport(model: base.model, axis: allocator.axis.rawValue,
                                             spread: allocator.spread.rawValue, importance: importanceName,
                                             denseWeights: ckpt.model.projectionWeightCount)
        report.target = allocator.cost.name
        report.denseCost = allocator.cost.total(ckpt.model)
        let (evaluation, calibrationText) = try base.encodedParts(ckpt.tokenizer)
        let calibration = try base.calibrationWindows(from: calibrationText)
        report.calibrationTokens = calibration.reduce(0) { $0 + $1.tokenCount }
        if !base.skipDense { report.dense = try base.perplexity(ckpt.model, evaluation, log: log, label: "dense") }
        report.denseTokensPerSecond = try speed?.measure(ckpt.model, tokens: evaluation)
        let t0 = monotonicSeconds()
        var scores = try LlamaStructureScores.measure(ckpt.model, calibration: calibration, importance: importance) {
            log.progress($0)
        }
        try headAblation?.apply(to: &scores, model: ckpt.model, calibration: calibration) { log.progress($0) }
        log.endProgress()
        let plan = try allocator.plan(ckpt.model, scores: scores, importance: importance)
        report.scoreSeconds = monotonicSeconds() - t0
        report.removedBlocks = plan.removedBlocks
        report.blockExcess = plan.blockExcess
        let second = refit ? try LlamaCheckpoint.load(base.model) : nil
        let plain = LeastSquaresRefit(refit: false, compensateBias: importance.compensatesBias)
        try prune(ckpt.model, plan, plain, calibration, log: log)
        report.shapes = ckpt.model.layerShapes
        report.prunedWeights = ckpt.model.projectionWeightCount
        report.prunedCost = allocator.cost.total(ckpt.model)
        report.pruned = try base.perplexity(ckpt.model, evaluation, log: log, label: "pruned")
        report.prunedTokensPerSecond = try speed?.measure(ckpt.model, tokens: evaluation)
        let recovered = try refit(second?.model, plan, calibration, evaluation, &report, log: log) ?? ckpt.model
        try distil(recovered, calibrationText, evaluation, &report, log: log)
        try export(second ?? ckpt, &report)
        report.peakResidentBytes = peakResidentBytes()
        return report
    }

    /// Cuts `copy` (when given) with the least-squares refit and measures it; returns it.
    func refit(_ copy: LlamaModel?, _ plan: LlamaStructurePlan, _ calibration: [TokenRows], _ evaluation: [Int],
               _ report: inout DecoderStructuredReport, log: any JobLog) throws -> LlamaModel? {
        guard let copy else { return nil }
        let t1 = monotonicSeconds()
        try prune(copy, plan, LeastSquaresRefit(refit: true, compensateBias: importance.compensatesBias),
                  calibration, log: log)
        report.refitSeconds = monotonicSeconds() - t1
        report.refitted = try base.perplexity(copy, evaluation, log: log, label: "refitted")
        return copy
    }

    /// Distils `student` from a fresh load of the dense model and measures it (when distillation is set).
    /// `calibrationText` is the whole calibration part, tokenized; windows are drawn afresh from it.
    func distil(_ student: LlamaModel, _ calibrationText: [Int], _ evaluation: [Int],
                _ report: inout DecoderStructuredReport, log: any JobLog) throws {
        guard let distillation else { return }
        let teacher = try LlamaCheckpoint.load(base.model).model
        let windows = try CalibrationWindows.draw(from: calibrationText,
                                                  count: distillation.steps * distillation.windowsPerStep,
                                                  length: distillationLength, seed: base.seed &+ 1)
        report.distillation = try distillation.run(teacher: teacher, student: student, windows: windows) {
            log.progress($0)
        }
        log.endProgress()
        report.distilled = try base.perplexity(student, evaluation, log: log, label: "distilled")
    }

    func prune(_ model: LlamaModel, _ plan: LlamaStructurePlan, _ recovery: LeastSquaresRefit,
               _ calibration: [TokenRows], log: any JobLog) throws {
        try LlamaStructuredPruner(recovery: recovery).apply(plan, to: model, calibration: calibration) {
            log.progress($0)
        }
        log.endProgress()
    }

    func export(_ ckpt: LlamaCheckpoint, _ report: inout DecoderStructuredReport) throws {
        let what = "\(allocator.axis.rawValue) \(allocator.spread.rawValue) \(allocator.removeFraction)"
        if let out = base.out {
            try ckpt.saveHuggingFace(to: out, metadata: ["prune.structured": what])
            report.out = out
        }
        if let g = base.ggufOut {
            try ckpt.saveGGUF(to: g, storage: base.ggufF32 ? .f32 : .f16)
            report.ggufOut = g
        }
    }
}

/// What a ``DecoderStructuredJob`` did and measured.
public struct DecoderStructuredReport: Encodable {
    public var model: String
    public var axis: String
    public var spread: String
    public var importance: String
    public var denseWeights: Int
    public var prunedWeights = 0
    /// What the target counted (``StructureCost/name``), dense and pruned.
    public var target = BlockWeightCost().name
    public var denseCost = 0
    public var prunedCost = 0
    /// The ranked spread's bound met: no block lost more than the target plus this (nil: uniform spread or
    /// unbounded); above the asked-for one when whole structures could not reach the target under it.
    public var blockExcess: Double?
    public var calibrationTokens = 0
    public var removedBlocks: [Int] = []
    public var shapes: [LlamaLayerShape] = []
    public var dense: Perplexity?
    public var pruned: Perplexity?
    public var refitted: Perplexity?
    public var distilled: Perplexity?
    public var distillation: DistillationReport?
    public var denseTokensPerSecond: Double?
    public var prunedTokensPerSecond: Double?
    public var scoreSeconds = 0.0
    public var refitSeconds = 0.0
    public var peakResidentBytes = 0
    public var out: String?
    public var ggufOut: String?

    /// Fraction of the block weights removed.
    public var removedFraction: Double { 1 - Double(prunedWeights) / Double(max(denseWeights, 1)) }
    /// Fraction of the target's cost removed.
    public var removedCostFraction: Double { 1 - Double(prunedCost) / Double(max(denseCost, 1)) }
}
