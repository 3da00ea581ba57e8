import Prune

/// Largest |activation| per output channel of every layer.
struct PeakActivations: CalibrationNeed {
    var key: String { "peak-activations" }
    func makeAccumulator(targets: [PruningTarget], settings: CalibrationSettings) -> any CalibrationAccumulator {
        Accumulator()
    }
    final class Accumulator: CalibrationAccumulator {
        var peaks: [String: [Double]] = [:]
        func observe(output: Tensor, layerPath: String, layer: any Module) {
            let channels = output.rank == 3 ? output.shape[2] : output.shape[1]
            let inner = output.rank == 4 ? output.shape[2] * output.shape[3] : 1
            var peak = peaks[layerPath] ?? [Double](repeating: 0, count: channels)
            for (i, a) in output.scalars.enumerated() {
                let c = output.rank == 3 ? i % channels : (i / inner) % channels
                peak[c] = max(peak[c], Double(abs(a)))
            }
            peaks[layerPath] = peak
        }
        func finish(batches: Int, into statistics: inout CalibrationStatistics) throws {
            statistics.custom["peak-activations"] = peaks
        }
    }
}
