/// What was measured on calibration data, per weight (gradients, Hessian diagonal) or per layer
/// (input norms). Criteria read it; each ``CalibrationNeed``'s accumulator fills its part.
public struct CalibrationStatistics: Sendable {
    /// Σ over batches of the mini-batch mean gradient, per weight path.
    public var gradientSums: [String: [Float]] = [:]
    /// Σ over batches of B·ḡ_b² (the squared mini-batch mean gradient times the batch size), per
    /// weight path: the empirical Fisher diagonal's approximation from mini-batch gradients.
    public var gradientSquareSums: [String: [Float]] = [:]
    /// Batches the gradient sums hold.
    public var gradientBatches = 0
    /// Estimated Hessian diagonal, per weight path.
    public var hessianDiagonals: [String: [Float]] = [:]
    /// Σ x² of every input feature (Linear) or channel (Conv2d) per layer path.
    public var inputNormSquareSums: [String: [Float]] = [:]

    /// Per layer path and output channel: Σ A, Σ |A|, Σ A², zeros and count, with A the layer's
    /// activation as ``ActivationRecorder`` reads it (after the BatchNorm and nonlinearity that follow).
    public var outputSums: [String: [Double]] = [:]
    public var outputAbsoluteSums: [String: [Double]] = [:]
    public var outputSquareSums: [String: [Double]] = [:]
    public var outputZeros: [String: [Double]] = [:]
    public var outputCounts: [String: Double] = [:]
    /// Movement scores −Σ_t w_t·g_t per weight path.
    public var movementScores: [String: [Float]] = [:]
    /// Per layer path: Σ x·xᵀ over sampled input patches (``InputPatchGrams``).
    public var patchGrams: [String: PatchGram] = [:]
    /// What needs from outside the library measured: by the need's key, then by weight or layer path.
    public var custom: [String: [String: [Double]]] = [:]

    public init() {}

    func outputStatistics(_ layerPath: String) throws
        -> (sum: [Double], absolute: [Double], squares: [Double], zeros: [Double], count: Double) {
        guard let s = outputSums[layerPath], let a = outputAbsoluteSums[layerPath], let q = outputSquareSums[layerPath],
              let z = outputZeros[layerPath], let n = outputCounts[layerPath], n > 0 else {
            throw PruningError.missingStatistics("no output activations measured for \(layerPath): the criterion needs calibration data, and the layer must be reachable through Sequential containers")
        }
        return (s, a, q, z, n)
    }

    func movement(_ path: String) throws -> [Float] {
        guard let m = movementScores[path] else { throw PruningError.missingStatistics("no movement scores for \(path): the criterion needs fine-tuning steps") }
        return m
    }

    /// An empty set of statistics, for weight-only criteria.
    public static let none = CalibrationStatistics()

    func meanGradient(_ path: String) throws -> [Float] {
        guard let g = gradientSums[path], gradientBatches > 0 else {
            throw PruningError.missingStatistics("no gradients measured for \(path): the criterion needs calibration data")
        }
        let n = Float(gradientBatches)
        return g.map { $0 / n }
    }

    func meanSquaredGradient(_ path: String) throws -> [Float] {
        guard let g = gradientSquareSums[path], gradientBatches > 0 else {
            throw PruningError.missingStatistics("no gradients measured for \(path): the criterion needs calibration data")
        }
        let n = Float(gradientBatches)
        return g.map { $0 / n }
    }

    func hessianDiagonal(_ path: String) throws -> [Float] {
        guard let h = hessianDiagonals[path] else {
            throw PruningError.missingStatistics("no Hessian diagonal measured for \(path): the criterion needs calibration data")
        }
        return h
    }

    func inputNormSquares(_ layerPath: String) throws -> [Float] {
        guard let x = inputNormSquareSums[layerPath] else {
            throw PruningError.missingStatistics("no input statistics for \(layerPath): the criterion needs calibration data, and the layer must be reachable through Sequential containers")
        }
        return x
    }

    /// Σ |ḡ·w| over every weight with gradients (SNIP's normalizer), set by `Calibration.collect`.
    public var sensitivityTotal: Double?

    func totalSensitivity() throws -> Double {
        guard let t = sensitivityTotal else { throw PruningError.missingStatistics("SNIP needs calibration gradients") }
        return t
    }
}
