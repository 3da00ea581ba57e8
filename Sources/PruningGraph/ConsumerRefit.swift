import PrunePruning
import PruneAutodiff
import PruneNN
import PruneTensor

/// What the refit did to one layer: ‖Y − X′·Wᵀ‖² / ‖Y‖² on the calibration patches before and after (Y
/// the dense model's output there), or why the layer was left as it was.
public struct LayerRefit: Sendable, Codable, Equatable {
    public var layer: String
    public var samples: Int
    public var errorBefore: Double?
    public var errorAfter: Double?
    public var skipped: String?
}

/// The reconstruction step of structured pruning (He, Zhang & Sun, ICCV 2017; ThiNet's refit with
/// ``ChannelScaling``): every Linear or Conv2d that lost input channels is refit, in forward order, so
/// that on the calibration data its output in the pruned model — whose inputs already carry the
/// refits of the layers before it — matches the dense model's output at the same sampled positions.
/// The dense outputs are measured before any channel goes (``prepare``), then one pass per layer
/// measures its pruned inputs, stopping as soon as the layer has been seen. A refit layer's weight is
/// dense afterwards: a mask it carried (an earlier unstructured prune) is baked in, then overwritten.
struct ConsumerRefit {
    let reconstruction: any ChannelReconstruction
    let calibration: StructuredCalibration
    let sampler: PatchSampler
    /// Forward order of the layers to refit.
    private(set) var order: [String] = []
    /// Per layer, per batch: the dense outputs `rows × out` at the sampled positions.
    private(set) var targets: [String: [[Float]]] = [:]
    private(set) var denseOutputs: [String: Int] = [:]

    private struct PassDone: Error {}

    /// Measures the dense outputs of `layers` (paths) at the sampled positions of every calibration batch.
    static func prepare(_ model: any Module, layers: Set<String>, reconstruction: any ChannelReconstruction,
                        calibration: StructuredCalibration, seed: UInt64) throws -> ConsumerRefit {
        var refit = ConsumerRefit(reconstruction: reconstruction, calibration: calibration,
                                  sampler: PatchSampler(perBatch: 256, seed: seed))
        var order: [String] = [], targets: [String: [[Float]]] = [:], outputs: [String: Int] = [:]
        let sampler = refit.sampler
        try refit.eachBatch(model) { batch, path, layer, input in
            guard layers.contains(path), let patchwise = layer as? any PatchwiseLayer else { return false }
            let p = try sampler.patches(patchwise, input: input, layerPath: path, batch: batch)
            let w = patchwise.prunableWeight.effectiveValue
            if targets[path] == nil { order.append(path); outputs[path] = w.shape[0] }
            targets[path, default: []].append(RefitAccumulator.outputs(rows: p.rows, patches: p.values,
                                                                       weight: w.scalars, out: w.shape[0]))
            return false
        }
        refit.order = order; refit.targets = targets; refit.denseOutputs = outputs
        return refit
    }

    /// Refits every prepared layer of the pruned `model`; `keptRows` maps a layer to the dense output rows
    /// it still has (all when absent).
    func run(_ model: any Module, keptRows: [String: [Int]]) throws -> [LayerRefit] {
        try order.map { path in try refit(model, path: path, keptRows: keptRows[path]) }
    }

    private func refit(_ model: any Module, path: String, keptRows: [Int]?) throws -> LayerRefit {
        let dense = denseOutputs[path] ?? 0, rows = keptRows ?? Array(0..<dense)
        var accumulator: RefitAccumulator?
        var found: (any PatchwiseLayer)?
        try eachBatch(model) { batch, seen, layer, input in
            guard seen == path, let patchwise = layer as? any PatchwiseLayer else { return false }
            found = patchwise
            let weight = patchwise.prunableWeight.value
            guard weight.shape[0] == rows.count, let ys = targets[path], batch < ys.count else { return true }
            let p = try sampler.patches(patchwise, input: input, layerPath: path, batch: batch)
            let y = Self.columns(ys[batch], of: dense, keeping: rows)
            guard y.count == p.rows * rows.count else {
                throw StructuredPruningError.invalid("\(path): the pruned model's input has other positions than "
                                                     + "the dense model's, so its outputs cannot be matched")
            }
            if accumulator == nil {
                accumulator = RefitAccumulator(features: weight.count / rows.count, outputs: rows.count)
            }
            accumulator!.add(rows: p.rows, patches: p.values, targets: y)
            return true
        }
        guard let layer = found else {
            return LayerRefit(layer: path, samples: 0, skipped: "not reached by the forward pass")
        }
        guard let accumulator else {
            return LayerRefit(layer: path, samples: 0, skipped: "its output rows were cut by a layer the refit "
                              + "does not track (a packed projection)")
        }
        return try write(accumulator, to: layer, path: path)
    }

    private func write(_ a: RefitAccumulator, to layer: any PatchwiseLayer, path: String) throws -> LayerRefit {
        let p = layer.prunableWeight
        p.bake()
        let shape = p.value.shape
        let problem = a.problem(weight: p.value.scalars, unit: shape.count == 4 ? shape[2] * shape[3] : 1)
        let w = try reconstruction.refit(problem, layer: path)
        guard w.allSatisfy({ $0.isFinite }) else {
            throw StructuredPruningError.invalid("\(path): the \(reconstruction.name) refit gave non-finite weights")
        }
        let before = problem.relativeError(problem.weight), after = problem.relativeError(w)
        guard after < before else {
            // The dampened solution can be a hair worse when the inputs already reproduce the output.
            return LayerRefit(layer: path, samples: a.samples, errorBefore: before, errorAfter: before,
                              skipped: String(format: "the refit did not lower the error (%.4g → %.4g), kept the "
                                              + "weights", before, after))
        }
        p.value = Tensor(unchecked: shape, w)
        return LayerRefit(layer: path, samples: a.samples, errorBefore: before, errorAfter: after)
    }

    /// Runs the calibration batches through `model` (no gradients, eval mode), handing every recorded
    /// layer input to `visit(batch, path, layer, input)`; a pass ends early when `visit` returns true.
    private func eachBatch(_ model: any Module,
                           _ visit: (Int, String, any Module, Tensor) throws -> Bool) throws {
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        var index = 0
        for batch in calibration.loader {
            if index == calibration.batches { break }
            do {
                _ = try withNoGrad {
                    try ActivationRecorder.forward(model, Variable(batch.images), record: { path, layer, input in
                        if try visit(index, path, layer, input) { throw PassDone() }
                    })
                }
            } catch is PassDone {}
            index += 1
        }
    }

    /// The columns `keeping` of a row-major `rows × width` matrix.
    static func columns(_ m: [Float], of width: Int, keeping k: [Int]) -> [Float] {
        guard k.count != width else { return m }
        let rows = m.count / max(width, 1)
        var out = [Float](repeating: 0, count: rows * k.count)
        for r in 0..<rows { for (j, c) in k.enumerated() { out[r * k.count + j] = m[r * width + c] } }
        return out
    }
}
