import PruneAutodiff
import PruneNN
import PruneTensor

/// The diagonal of the loss Hessian by Hutchinson's estimator, diag(H) ≈ mean_v v ⊙ (H v), with
/// Rademacher probes v and finite-difference Hessian-vector products H v ≈ (∇L(w + εv) − ∇L(w − εv)) / 2ε.
/// Optimal Brain Damage reads it.
public struct HessianDiagonal: CalibrationNeed {
    public init() {}
    public var key: String { "hessian-diagonal" }
    public func makeAccumulator(targets: [PruningTarget], settings: CalibrationSettings) -> any CalibrationAccumulator {
        Accumulator(targets: targets, settings: settings)
    }

    final class Accumulator: CalibrationAccumulator {
        let targets: [PruningTarget]
        let settings: CalibrationSettings
        var rng: RandomGenerator
        var diagonals: [String: [Float]] = [:]
        init(targets: [PruningTarget], settings: CalibrationSettings) {
            self.targets = targets; self.settings = settings; rng = RandomGenerator(seed: settings.seed)
        }

        func batchDone(model: any Module, batch: (images: Tensor, labels: [Int])) throws {
            let eps = settings.epsilon
            for _ in 0..<settings.probes {
                var vectors: [String: [Float]] = [:]
                for t in targets { vectors[t.path] = (0..<t.count).map { _ in rng.nextUniform() < 0.5 ? -1 : 1 } }
                let plus = try gradients(model, batch: batch, shift: vectors, by: eps)
                let minus = try gradients(model, batch: batch, shift: vectors, by: -eps)
                for t in targets {
                    let v = vectors[t.path]!, gp = plus[t.path]!, gm = minus[t.path]!
                    var estimate = [Float](repeating: 0, count: t.count)
                    for i in 0..<t.count { estimate[i] = v[i] * (gp[i] - gm[i]) / (2 * eps) }
                    Calibration.accumulate(&diagonals[t.path], estimate)
                }
            }
        }

        func finish(batches: Int, into stats: inout CalibrationStatistics) throws {
            let n = Float(batches * settings.probes)
            stats.hessianDiagonals = diagonals.mapValues { $0.map { $0 / n } }
        }

        /// Loss gradients with every target weight moved by `by`·v.
        private func gradients(_ model: any Module, batch: (images: Tensor, labels: [Int]), shift: [String: [Float]],
                               by eps: Float) throws -> [String: [Float]] {
            var saved: [String: Tensor] = [:]
            for t in targets {
                saved[t.path] = t.parameter.value
                let v = shift[t.path]!
                var moved = t.parameter.value
                for i in moved.scalars.indices { moved.scalars[i] += eps * v[i] }
                t.parameter.value = moved
            }
            defer { for t in targets { t.parameter.value = saved[t.path]! } }
            for (_, p) in model.parameters() { p.zeroGrad() }
            let loss = try Loss.crossEntropy(try model.forward(Variable(batch.images)), labels: batch.labels)
            try loss.backward()
            var out: [String: [Float]] = [:]
            for t in targets { out[t.path] = t.parameter.grad?.scalars ?? [Float](repeating: 0, count: t.count) }
            return out
        }
    }
}
