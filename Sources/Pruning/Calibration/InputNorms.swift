import PruneNN
import PruneTensor

/// Σ x² of every input feature (Linear, input [N, …, in]) or input channel (Conv2d, input
/// [N, C, H, W]) of each layer over the calibration data. Wanda reads it.
public struct InputNorms: CalibrationNeed {
    public init() {}
    public var key: String { "input-norms" }
    public func makeAccumulator(targets: [PruningTarget], settings: CalibrationSettings) -> any CalibrationAccumulator {
        Accumulator()
    }

    final class Accumulator: CalibrationAccumulator {
        var sums: [String: [Float]] = [:]

        func observe(input: Tensor, layerPath: String, layer: any Module) {
            Calibration.accumulate(&sums[layerPath], InputNorms.squareSums(input))
        }

        func finish(batches: Int, into stats: inout CalibrationStatistics) throws { stats.inputNormSquareSums = sums }
    }

    /// Σ x² per channel of a rank-4 input, else per feature of the last axis.
    static func squareSums(_ x: Tensor) -> [Float] {
        let s = x.scalars
        if x.rank == 4 {
            let n = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3]
            var out = [Float](repeating: 0, count: c)
            for b in 0..<n { for ch in 0..<c {
                var acc: Float = 0
                let base = (b * c + ch) * hw
                for i in 0..<hw { acc += s[base + i] * s[base + i] }
                out[ch] += acc
            } }
            return out
        }
        let f = x.shape.last ?? 1, rows = s.count / max(f, 1)
        var out = [Float](repeating: 0, count: f)
        for r in 0..<rows { for j in 0..<f { out[j] += s[r * f + j] * s[r * f + j] } }
        return out
    }
}
