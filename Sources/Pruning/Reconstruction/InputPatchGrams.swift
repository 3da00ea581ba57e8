import PruneNN
import PruneTensor

/// Per layer, the ``PatchGram`` of its input patches at the positions a ``PatchSampler`` chooses in each
/// calibration batch (Linear: input rows; Conv2d: the windows under output pixels). ThiNet and LASSO
/// channel selection read the Grams of the layers that consume a group's channels.
public struct InputPatchGrams: CalibrationNeed {
    /// Positions read per batch and layer.
    public let perBatch: Int
    public init(perBatch: Int = 256) { self.perBatch = perBatch }
    public var key: String { "input-patch-grams-\(perBatch)" }

    public func makeAccumulator(targets: [PruningTarget], settings: CalibrationSettings) -> any CalibrationAccumulator {
        Accumulator(sampler: PatchSampler(perBatch: perBatch, seed: settings.seed))
    }

    final class Accumulator: CalibrationAccumulator {
        let sampler: PatchSampler
        var grams: [String: PatchGram] = [:]
        var batch = 0
        var failure: String?

        init(sampler: PatchSampler) { self.sampler = sampler }

        func observe(input: Tensor, layerPath: String, layer: any Module) {
            guard failure == nil, let patchwise = layer as? any PatchwiseLayer else { return }
            do {
                let p = try sampler.patches(patchwise, input: input, layerPath: layerPath, batch: batch)
                let width = p.rows > 0 ? p.values.count / p.rows : 0
                var gram = grams[layerPath] ?? PatchGram(features: width)
                gram.add(rows: p.rows, patches: p.values)
                grams[layerPath] = gram
            } catch {
                failure = "\(layerPath): \(error)"
            }
        }

        func batchDone(model: any Module, batch: (images: Tensor, labels: [Int])) throws { self.batch += 1 }

        func finish(batches: Int, into statistics: inout CalibrationStatistics) throws {
            if let failure { throw PruningError.missingStatistics("input patches: \(failure)") }
            statistics.patchGrams.merge(grams) { _, new in new }
        }
    }
}
