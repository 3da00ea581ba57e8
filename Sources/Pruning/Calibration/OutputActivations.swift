import PruneNN
import PruneTensor

/// Per output channel of each layer, Σ A, Σ |A|, Σ A², zeros and count of its activation A as
/// ``ActivationRecorder`` reads it (after the BatchNorm and nonlinearity that follow the layer). The
/// activation criteria (mean |A|, variance, APoZ) read it.
public struct OutputActivations: CalibrationNeed {
    public init() {}
    public var key: String { "output-activations" }
    public func makeAccumulator(targets: [PruningTarget], settings: CalibrationSettings) -> any CalibrationAccumulator {
        Accumulator()
    }

    final class Accumulator: CalibrationAccumulator {
        var stats = CalibrationStatistics()

        func observe(output: Tensor, layerPath: String, layer: any Module) {
            OutputActivations.accumulate(output, path: layerPath, into: &stats)
        }

        func finish(batches: Int, into result: inout CalibrationStatistics) throws {
            result.outputSums = stats.outputSums; result.outputAbsoluteSums = stats.outputAbsoluteSums
            result.outputSquareSums = stats.outputSquareSums; result.outputZeros = stats.outputZeros
            result.outputCounts = stats.outputCounts
        }
    }

    /// Σ A, Σ |A|, Σ A², zeros per output channel of an activation A ([N, C], [N, C, H, W], or
    /// [N, L, C] token features of an imported transformer, channels last).
    static func accumulate(_ y: Tensor, path: String, into stats: inout CalibrationStatistics) {
        let channelsLast = y.rank == 3
        let c = channelsLast ? y.shape[2] : y.shape[1]
        let n = y.shape[0] * (channelsLast ? y.shape[1] : 1)
        let hw = y.rank == 4 ? y.shape[2] * y.shape[3] : 1
        var sum = stats.outputSums[path] ?? [Double](repeating: 0, count: c)
        var absolute = stats.outputAbsoluteSums[path] ?? [Double](repeating: 0, count: c)
        var sq = stats.outputSquareSums[path] ?? [Double](repeating: 0, count: c)
        var zeros = stats.outputZeros[path] ?? [Double](repeating: 0, count: c)
        let s = y.scalars
        for b in 0..<n { for ch in 0..<c { for i in 0..<hw {
            let a = Double(s[(b * c + ch) * hw + i])
            sum[ch] += a; absolute[ch] += Swift.abs(a); sq[ch] += a * a
            if a == 0 { zeros[ch] += 1 }
        } } }
        stats.outputSums[path] = sum; stats.outputAbsoluteSums[path] = absolute
        stats.outputSquareSums[path] = sq; stats.outputZeros[path] = zeros
        stats.outputCounts[path, default: 0] += Double(n * hw)
    }
}
