import Foundation

/// The rows of `prune bench generate`: greedy-decoding speed (``GenerationSpeed``: batch 1, a prompt
/// of the evaluation text, new tokens one at a time with the key/value cache) of one decoder in the
/// forms a deployment would choose between — dense; structurally pruned per axis and fraction (scores
/// from one dense calibration pass, cut without refit: the refit changes values, not shapes);
/// unstructured Wanda at each sparsity with each layer in the fastest measured format at batch 1
/// (CSR, block, int8 variants or dense); and int8 weights. Each row loads the model afresh.
public struct GenerationBenchmark {
    public var model: String
    public var speed = GenerationSpeed()
    /// Structured rows: every axis at every fraction of the block weights.
    public var structuredAxes: [LlamaStructureAxis] = [.width, .depth, .global]
    public var structuredFractions: [Double] = [0.3, 0.5]
    /// What the structured rows share: the target's cost, the block bound, the width rounding (each
    /// row sets its own axis, spread and fraction).
    public var allocation = LlamaStructureAllocator(axis: .global, spread: .global, removeFraction: 0.3)
    /// Unstructured Wanda sparsities.
    public var sparsities: [Double] = [0.5, 0.7]
    public var int8 = true
    /// Text windows for calibration (scores, Wanda) and the prompt; the job's model path is ignored.
    public var text: DecoderOneShotJob

    public init(model: String) {
        self.model = model
        text = DecoderOneShotJob(model: model, method: Wanda(), sparsity: nil)
        text.calibrationWindows = 8
    }

    /// One measured form of the model.
    public struct Row: Encodable, Sendable {
        public var name: String
        /// Projection weights of the blocks (the non-embedding matrices).
        public var blockWeights: Int
        public var tokensPerSecond: Double
        /// Layer formats chosen (unstructured and int8 rows).
        public var formats: String?
    }

    public func run(log: any JobLog = SilentLog(), row: (Row) -> Void = { _ in }) throws -> [Row] {
        let dense = try LlamaCheckpoint.load(model)
        let (evaluation, calibration) = try text.tokens(dense.tokenizer)
        var rows: [Row] = []
        func measure(_ name: String, _ m: LlamaModel, formats: String? = nil) throws {
            log.progress("timing \(name)")
            let r = Row(name: name, blockWeights: m.projectionWeightCount,
                        tokensPerSecond: try speed.measure(m, tokens: evaluation), formats: formats)
            log.endProgress()
            rows.append(r); row(r)
        }
        try measure("dense", dense.model)
        try structuredRows(dense.model, calibration, measure)
        for s in sparsities {
            let m = try LlamaCheckpoint.load(model).model
            _ = try OneShotPruner(method: Wanda(), sparsity: .unstructured(s)).prune(m, calibration: calibration)
            try measure("wanda \(Int((s * 100).rounded()))%", m, formats: try formats(m, .auto))
        }
        if int8 {
            let m = try LlamaCheckpoint.load(model).model
            try measure("int8 weights", m, formats: try formats(m, .fixed(.int8)))
        }
        return rows
    }

    func structuredRows(_ dense: LlamaModel, _ calibration: [TokenRows],
                        _ measure: (String, LlamaModel, String?) throws -> Void) throws {
        guard !structuredAxes.isEmpty, !structuredFractions.isEmpty else { return }
        let importance = FluctuationImportance()
        let scores = try LlamaStructureScores.measure(dense, calibration: calibration, importance: importance)
        for axis in structuredAxes {
            for f in structuredFractions {
                let m = try LlamaCheckpoint.load(model).model
                var allocator = allocation
                allocator.axis = axis; allocator.spread = axis == .global || axis == .all ? .global : .uniform
                allocator.removeFraction = f
                allocator.ranking = .relative
                let plan = try allocator.plan(m, scores: scores, importance: importance)
                try LlamaStructuredPruner(recovery: LeastSquaresRefit(refit: false, compensateBias: true))
                    .apply(plan, to: m, calibration: calibration)
                let of = allocator.cost is BlockWeightCost ? "" : " of the \(allocator.cost.name)"
                try measure("\(axis.rawValue) −\(Int((f * 100).rounded()))%\(of)", m, nil)
            }
        }
    }

    /// Converts the projections and names the formats chosen, with counts.
    func formats(_ m: LlamaModel, _ choice: SparseFormatChoice) throws -> String {
        let total = m.layers.reduce(0) { $0 + $1.linearLayers.count }
        let chosen = try choice.apply(to: m, batch: 1)
        var counts: [String: Int] = [:]
        for c in chosen { counts[c.format, default: 0] += 1 }
        let dense = total - chosen.count
        let named = counts.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }
        return (named + (dense > 0 ? ["dense × \(dense)"] : [])).joined(separator: ", ")
    }
}
