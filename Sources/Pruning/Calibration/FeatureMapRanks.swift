import PruneNN
import PruneTensor

/// Per output channel of each layer, the average rank of its feature map over the calibration images
/// (HRank, Lin et al., "HRank: Filter Pruning using High-Rank Feature Map", CVPR 2020): the activation
/// A as ``ActivationRecorder`` reads it (after the BatchNorm and ReLU that follow the layer, where the
/// paper hooks it), each image's H × W map of a channel a matrix whose ``MatrixRank`` is counted.
/// A Linear layer's map is 1 × 1: rank 1 when the activation is non-zero.
public struct FeatureMapRanks: CalibrationNeed {
    public static let statisticKey = "feature-map-ranks"
    public init() {}
    public var key: String { Self.statisticKey }
    public func makeAccumulator(targets: [PruningTarget], settings: CalibrationSettings) -> any CalibrationAccumulator {
        Accumulator()
    }

    final class Accumulator: CalibrationAccumulator {
        var sums: [String: [Double]] = [:], images: [String: Double] = [:]
        var failure: String?

        func observe(output: Tensor, layerPath: String, layer: any Module) {
            guard output.rank == 4 || output.rank == 2 else { return }
            let n = output.shape[0], c = output.shape[1]
            let h = output.rank == 4 ? output.shape[2] : 1, w = output.rank == 4 ? output.shape[3] : 1
            var sum = sums[layerPath] ?? [Double](repeating: 0, count: c)
            let s = output.scalars
            for b in 0..<n {
                for ch in 0..<c {
                    let start = (b * c + ch) * h * w
                    guard let r = MatrixRank.rank(Array(s[start..<start + h * w]), rows: h, columns: w) else {
                        failure = "the singular values of a \(h)×\(w) feature map of \(layerPath) did not converge"
                        return
                    }
                    sum[ch] += Double(r)
                }
            }
            sums[layerPath] = sum
            images[layerPath, default: 0] += Double(n)
        }

        func finish(batches: Int, into result: inout CalibrationStatistics) throws {
            if let failure { throw PruningError.missingStatistics(failure) }
            var means: [String: [Double]] = [:]
            for (path, sum) in sums { means[path] = sum.map { $0 / max(images[path] ?? 1, 1) } }
            result.custom[FeatureMapRanks.statisticKey] = means
        }
    }
}
