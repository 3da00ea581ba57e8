import PruneNN
import PruneTensor

/// Per-batch loss gradients of the weights: Σ_b ḡ_b and Σ_b B·ḡ_b² (the squared mini-batch mean
/// gradient times the batch size estimates the mean per-example squared gradient, the empirical
/// Fisher's diagonal), and SNIP's normalizer Σ|ḡ·w|. Taylor, Fisher and SNIP read them.
public struct LossGradients: CalibrationNeed {
    public init() {}
    public var key: String { "gradients" }
    public func makeAccumulator(targets: [PruningTarget], settings: CalibrationSettings) -> any CalibrationAccumulator {
        Accumulator(targets: targets)
    }

    final class Accumulator: CalibrationAccumulator {
        let targets: [PruningTarget]
        var sums: [String: [Float]] = [:], squares: [String: [Float]] = [:]
        init(targets: [PruningTarget]) { self.targets = targets }

        var needsLossGradients: Bool { true }

        func observeLossGradients(batch: (images: Tensor, labels: [Int])) throws {
            let size = Float(batch.labels.count)
            for t in targets {
                let g = t.parameter.grad?.scalars ?? [Float](repeating: 0, count: t.count)
                Calibration.accumulate(&sums[t.path], g)
                Calibration.accumulate(&squares[t.path], g.map { size * $0 * $0 })
            }
        }

        func finish(batches: Int, into stats: inout CalibrationStatistics) throws {
            stats.gradientSums = sums
            stats.gradientSquareSums = squares
            stats.gradientBatches = batches
            var total = 0.0
            for t in targets {
                for (g, w) in zip(sums[t.path]!,
                                  t.parameter.value.scalars) { total += Double(abs(g / Float(batches) * w)) }
            }
            stats.sensitivityTotal = total
        }
    }
}
