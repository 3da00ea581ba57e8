import PruneTensor

/// Sums what a ``RefitProblem`` needs over calibration batches: X′ᵀX′, X′ᵀY and ΣY², from the pruned
/// layer's patches X′ (`rows × features`) and the dense model's outputs Y (`rows × outputs`) at the same
/// positions.
public struct RefitAccumulator: Sendable {
    public let features: Int
    public let outputs: Int
    var gram: PatchGram
    var cross: [Double]
    var energy = 0.0

    public init(features: Int, outputs: Int) {
        self.features = features; self.outputs = outputs
        gram = PatchGram(features: features)
        cross = [Double](repeating: 0, count: features * outputs)
    }

    public mutating func add(rows: Int, patches: [Float], targets: [Float]) {
        guard rows > 0 else { return }
        gram.add(rows: rows, patches: patches)
        var product = [Float](repeating: 0, count: features * outputs)
        product.withUnsafeMutableBufferPointer { pp in
            Tensor.gemm(patches, targets, pp.baseAddress!, m: features, n: outputs, k: rows, transA: true)
        }
        for i in cross.indices { cross[i] += Double(product[i]) }
        energy += targets.reduce(0.0) { $0 + Double($1) * Double($1) }
    }

    public var samples: Int { gram.samples }

    /// The problem for the layer's current weight.
    public func problem(weight: [Float], unit: Int) -> RefitProblem {
        RefitProblem(gram: gram.values, cross: cross, targetEnergy: energy, weight: weight, outputs: outputs,
                     features: features, unit: unit)
    }

    /// Y = patches·Wᵀ (`rows × out`) for a `[out × features]` weight: a layer's output without its bias.
    public static func outputs(rows: Int, patches: [Float], weight: [Float], out: Int) -> [Float] {
        let f = weight.count / max(out, 1)
        var y = [Float](repeating: 0, count: rows * out)
        guard rows > 0, out > 0 else { return y }
        y.withUnsafeMutableBufferPointer { py in
            Tensor.gemm(patches, weight, py.baseAddress!, m: rows, n: out, k: f, transB: true)
        }
        return y
    }
}
