import PruneAutodiff
import PruneNN
import PruneTensor

/// Measures what criteria need on a few batches of calibration data: each need's accumulator is fed
/// by one shared forward (and, when a need asks, backward) pass per batch.
public enum Calibration {
    /// Collects `needs` over the first `batches` batches of `loader` for the given targets. The
    /// model's weights are unchanged afterwards, except by needs that fine-tune (movement).
    public static func collect(model: any Module, targets: [PruningTarget], needs: [any CalibrationNeed],
                               loader: DataLoader, batches: Int,
                               settings: CalibrationSettings = CalibrationSettings()) throws -> CalibrationStatistics {
        var stats = CalibrationStatistics()
        var keys = Set<String>()
        let unique = needs.filter { keys.insert($0.key).inserted }
        guard !unique.isEmpty else { return stats }
        guard batches > 0 else { throw PruningError.invalidOption("calibration needs at least one batch") }
        let wasTraining = model.isTraining
        model.eval()   // calibration measures the model as it predicts: dropout off, BatchNorm frozen
        defer { if wasTraining { model.train() } }
        let accumulators = unique.map { $0.makeAccumulator(targets: targets, settings: settings) }
        for a in accumulators { try a.prepare(model: model, loader: loader, batches: batches) }
        let shared = accumulators.filter(\.usesSharedPass)
        let seen = shared.isEmpty ? batches : try sharedPass(model, targets: targets, accumulators: shared,
                                                             loader: loader,
                                                             batches: batches)
        for a in accumulators { try a.finish(batches: seen, into: &stats) }
        for (_, p) in model.parameters() { p.zeroGrad() }
        return stats
    }

    /// Forward (recording layer inputs and activations) and, when asked, backward over each batch.
    private static func sharedPass(_ model: any Module, targets: [PruningTarget],
                                   accumulators: [any CalibrationAccumulator],
                                   loader: DataLoader, batches: Int) throws -> Int {
        let layerPaths = Set(targets.map(\.layerPath))
        let backward = accumulators.contains { $0.needsLossGradients }
        var seen = 0
        for batch in loader {
            if seen == batches { break }
            seen += 1
            for (_, p) in model.parameters() { p.zeroGrad() }
            let logits = try ActivationRecorder.forward(model, Variable(batch.images), record: { path, layer, input in
                guard layerPaths.contains(path) else { return }
                for a in accumulators { a.observe(input: input, layerPath: path, layer: layer) }
            }, recordOutput: { path, layer, output in
                guard layerPaths.contains(path) else { return }
                for a in accumulators { a.observe(output: output, layerPath: path, layer: layer) }
            })
            if backward {
                try Loss.crossEntropy(logits, labels: batch.labels).backward()
                for a in accumulators { try a.observeLossGradients(batch: batch) }
            }
            for a in accumulators { try a.batchDone(model: model, batch: batch) }
        }
        guard seen > 0 else { throw PruningError.invalidOption("the calibration data has no batches") }
        return seen
    }

    /// Adds `values` into `slot` element by element (creating it).
    static func accumulate(_ slot: inout [Float]?, _ values: [Float]) {
        if var s = slot { for i in s.indices { s[i] += values[i] }; slot = s } else { slot = values }
    }
}
