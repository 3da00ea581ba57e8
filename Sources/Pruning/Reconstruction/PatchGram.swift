import PruneTensor

/// Σ x·xᵀ over sampled input patches x of one layer (`features` × `features`, Double, row-major), and
/// how many patches it holds: what ThiNet's and LASSO's channel Gram matrices are built from.
public struct PatchGram: Sendable {
    public let features: Int
    public internal(set) var samples: Int
    public internal(set) var values: [Double]

    public init(features: Int) {
        self.features = features; samples = 0
        values = [Double](repeating: 0, count: features * features)
    }

    /// A Gram already summed (tests, or statistics from elsewhere).
    public init(features: Int, samples: Int, values: [Double]) {
        self.features = features; self.samples = samples; self.values = values
    }

    /// Adds the rows of a row-major `[rows × features]` patch matrix.
    public mutating func add(rows: Int, patches: [Float]) {
        guard rows > 0 else { return }
        let f = features
        var product = [Float](repeating: 0, count: f * f)
        patches.withUnsafeBufferPointer { px in
            Tensor.addGram(px.baseAddress!, rows: rows, features: f, into: &product)
        }
        for i in 0..<f {
            for j in i..<f {
                let v = Double(product[i * f + j])
                values[i * f + j] += v
                if j != i { values[j * f + i] += v }
            }
        }
        samples += rows
    }
}
