import PruneAutodiff
import PruneNN
import PruneTensor

/// Movement scores −Σ_t w_t·g_t accumulated over Adam fine-tuning steps on the training loss (Sanh,
/// Wolf & Rush, "Movement Pruning", NeurIPS 2020). The updates stay: this is fine-tuning. Movement
/// pruning reads them.
public struct MovementScores: CalibrationNeed {
    public init() {}
    public var key: String { "movement" }
    public func makeAccumulator(targets: [PruningTarget], settings: CalibrationSettings) -> any CalibrationAccumulator {
        Accumulator(targets: targets, learningRate: settings.movementLearningRate)
    }

    final class Accumulator: CalibrationAccumulator {
        let targets: [PruningTarget]
        let learningRate: Float
        var scores: [String: [Float]] = [:]
        init(targets: [PruningTarget], learningRate: Float) { self.targets = targets; self.learningRate = learningRate }

        var usesSharedPass: Bool { false }

        func prepare(model: any Module, loader: DataLoader, batches steps: Int) throws {
            model.train()
            defer { model.eval() }
            let params = model.parameters().map(\.parameter)
            let optimizer = Adam(params, learningRate: learningRate)
            var done = 0
            for batch in loader {
                if done == steps { break }
                done += 1
                for p in params { p.zeroGrad() }
                try Loss.crossEntropy(try model.forward(Variable(batch.images)), labels: batch.labels).backward()
                for t in targets {
                    let g = t.parameter.grad?.scalars ?? [Float](repeating: 0, count: t.count)
                    let w = t.parameter.value.scalars
                    var s = scores[t.path] ?? [Float](repeating: 0, count: t.count)
                    for i in s.indices { s[i] -= w[i] * g[i] }
                    scores[t.path] = s
                }
                optimizer.step()
            }
            guard done > 0 else { throw PruningError.invalidOption("movement scores need at least one training batch") }
        }

        func finish(batches: Int, into stats: inout CalibrationStatistics) throws { stats.movementScores = scores }
    }
}
