import PruneTensor

/// What the one-shot methods need to know about a Linear layer's input X over the calibration
/// tokens (padding excluded): the token count N, Σ x_j² per input feature (Wanda's ‖X_j‖₂²), and
/// optionally Σ x·xᵀ (SparseGPT's Hessian H = (2/N)·Σ x·xᵀ). Accumulated batch by batch, so
/// memory is one `in × in` matrix per layer input whatever the calibration size.
public final class LinearInputStatistics {
    public let features: Int
    public private(set) var tokens = 0
    /// Σ over tokens of x_j², per input feature j.
    public private(set) var sumOfSquares: [Double]
    /// Σ over tokens of x·xᵀ (row-major `features × features`, upper triangle valid) when requested.
    public private(set) var gram: [Float]?
    /// Quantities methods derive from the statistics (a factorization), kept for the layers that share them.
    var derived: [String: Any] = [:]

    public init(features: Int, collectGram: Bool) {
        self.features = features
        sumOfSquares = [Double](repeating: 0, count: features)
        gram = collectGram ? [Float](repeating: 0, count: features * features) : nil
    }

    /// Adds the rows of `x` (`rows × features`, row-major).
    public func add(rows x: [Float], count rows: Int) {
        precondition(x.count == rows * features)
        guard rows > 0 else { return }
        derived = [:]
        tokens += rows
        x.withUnsafeBufferPointer { px in
            sumOfSquares.withUnsafeMutableBufferPointer { ps in
                Tensor.addSquares(px.baseAddress!, rows: rows, features: features, into: ps.baseAddress!)
            }
            guard gram != nil else { return }
            gram!.withUnsafeMutableBufferPointer { pg in
                Tensor.addGram(px.baseAddress!, rows: rows, features: features, into: pg.baseAddress!)  // G += Xᵀ·X
            }
        }
    }

    /// ‖X_j‖₂ per input feature.
    public var featureNorms: [Double] { sumOfSquares.map { $0.squareRoot() } }

    /// H = (2/N)·Σ x·xᵀ as a full symmetric matrix in Double, or nil when the Gram matrix was not collected.
    public func hessian() -> [Double]? {
        guard let g = gram, tokens > 0 else { return nil }
        let n = features, scale = 2 / Double(tokens)
        var h = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                let v = Double(g[i * n + j]) * scale
                h[i * n + j] = v; h[j * n + i] = v
            }
        }
        return h
    }
}

extension LinearInputStatistics {
    /// Throws unless the statistics describe an input of `columns` features.
    func check(columns: Int, layer: String) throws {
        guard features == columns else {
            throw OneShotError.invalid("\(layer): statistics for \(features) inputs, weight has \(columns)")
        }
    }
}
