import CSparseKernels
import PruneAutodiff
import PruneNN
import PruneTensor

/// Sparse training that costs less than dense-masked training: while a Linear weight's mask keeps at
/// most `maxDensity` of the weights, the layer's forward is a CSR × dense product over the mask's
/// positions, the input gradient the transposed CSR product, and the weight gradient a sampled
/// dense-dense product at the mask's positions only (the sparse-training item of the training-time
/// issue; RigL's paper counts FLOPs the same way). The pattern is cached per mask version; it declines
/// (dense path) when the weight needs its dense gradient (RigL's update steps), trains its pruned
/// weights (DNS), or is denser than `maxDensity`. Sums run in another order than the dense GEMM, so
/// outputs agree within Float32 rounding, not bit for bit. The products run on one thread: split over
/// two cores they were slower (0.80 s vs 0.64 s per LeNet-300-100 epoch at 95%), the batch-64 work
/// being too small for the hand-off.
public final class SparseTrainingKernel: LinearKernel {
    public let maxDensity: Double
    private var cache: (weight: ObjectIdentifier, version: Int, pattern: MaskPattern)?

    public init(maxDensity: Double = 0.25) { self.maxDensity = maxDensity }

    /// Sets a kernel on every Linear of `model`; returns how many.
    @discardableResult
    public static func install(on model: any Module, maxDensity: Double = 0.25) -> Int {
        let layers = model.namedModules().compactMap { $0.module as? Linear }
        for l in layers { l.kernel = SparseTrainingKernel(maxDensity: maxDensity) }
        return layers.count
    }

    public func forward(_ x: Variable, layer: Linear) throws -> Variable? {
        let w = layer.weight
        guard let mask = w.mask, !w.updatesPrunedWeights, !w.recordsDenseGradient, w.reparameterization == nil,
              x.value.rank == 2,
              x.shape[1] == layer.inFeatures, x.shape[0] > 1 else { return nil }
        let pattern = try self.pattern(mask, of: w)
        guard Double(pattern.positions.count) <= maxDensity * Double(mask.count) else { return nil }
        let weightVariable = w.preMaskedVariable(), biasVariable = try layer.bias?.variable()
        let rows = x.shape[0]
        let (xt, bp) = BatchLayout.transposed(x.value, paddedColumns: layer.inFeatures)
        let weight = w.value
        var y = SparseKernels.intrinsicsProduct(pattern.matrix(weight), xt: xt, padded: bp, batch: rows,
                                                 parallel: false)
        if let b = layer.bias?.value { y = try y + b }
        let needX = x.requiresGrad, hasBias = layer.bias != nil
        let parents = biasVariable.map { [x, weightVariable, $0] } ?? [x, weightVariable]
        return Variable.record(y, parents) { g in
            let (gt, _) = BatchLayout.transposed(g, paddedColumns: pattern.rows)
            let gx = needX ? pattern.inputGradient(gt: gt, padded: bp, batch: rows, weight: weight) : nil
            var grads: [Tensor?] = [gx, pattern.weightGradient(gt: gt, xt: xt, padded: bp)]
            if hasBias { grads.append(try g.sum(axes: [0])) }
            return grads
        }
    }

    /// The pattern of `weight`'s mask, cached for the weight and its mask version.
    func pattern(_ mask: Tensor, of weight: Parameter) throws -> MaskPattern {
        let id = ObjectIdentifier(weight)
        if let cache, cache.weight == id, cache.version == weight.maskVersion { return cache.pattern }
        let p = try MaskPattern(mask)
        cache = (id, weight.maskVersion, p)
        return p
    }
}
