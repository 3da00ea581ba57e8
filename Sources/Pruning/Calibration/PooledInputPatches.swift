import PruneNN
import PruneTensor

/// Per layer that reads patches (``PatchwiseLayer``), every calibration example's mean input patch over
/// all of its output positions, and the examples' labels: the layer's globally averaged output is that
/// mean patch times its weight, which DCP's auxiliary classifiers read (``DCPImportance``). Stored in
/// ``CalibrationStatistics/custom`` under ``statisticKey`` (per layer path, examples × fan-in, row-major)
/// and ``labelKey`` (the labels, in the same order).
public struct PooledInputPatches: CalibrationNeed {
    public static let statisticKey = "pooled-input-patches"
    public static let labelKey = "pooled-input-patch-labels"
    public init() {}
    public var key: String { Self.statisticKey }
    public func makeAccumulator(targets: [PruningTarget], settings: CalibrationSettings) -> any CalibrationAccumulator {
        Accumulator()
    }

    final class Accumulator: CalibrationAccumulator {
        var pooled: [String: [Double]] = [:]
        var labels: [Double] = []
        var failure: String?

        func observe(input: Tensor, layerPath: String, layer: any Module) {
            guard failure == nil, let patchwise = layer as? any PatchwiseLayer else { return }
            do {
                pooled[layerPath, default: []] += try PooledInputPatches.means(patchwise, input: input)
            } catch {
                failure = "\(layerPath): \(error)"
            }
        }

        func batchDone(model: any Module, batch: (images: Tensor, labels: [Int])) throws {
            labels += batch.labels.map(Double.init)
        }

        func finish(batches: Int, into statistics: inout CalibrationStatistics) throws {
            if let failure { throw PruningError.missingStatistics("pooled input patches: \(failure)") }
            statistics.custom[PooledInputPatches.statisticKey] = pooled
            statistics.custom[PooledInputPatches.labelKey] = ["labels": labels]
        }
    }

    /// Per example of the batch, the mean of its patches (examples × fan-in, row-major).
    static func means(_ layer: any PatchwiseLayer, input: Tensor) throws -> [Double] {
        let positions = try layer.patchCount(of: input), examples = max(input.shape.first ?? 1, 1)
        let width = PruningTarget(layer: layer, at: "").fanIn, perExample = positions / examples
        var out = [Double](repeating: 0, count: examples * width)
        var patch = [Float](repeating: 0, count: width)
        for p in 0..<positions {
            layer.writePatch(p, of: input, into: &patch, at: 0)
            let row = (p / max(perExample, 1)) * width
            for j in 0..<width { out[row + j] += Double(patch[j]) }
        }
        let scale = 1 / Double(max(perExample, 1))
        for i in out.indices { out[i] *= scale }
        return out
    }
}
