import Foundation
import PruneAutodiff
import PruneNN
import PruneTensor

/// An inference-only Linear layer whose weight is stored in a sparse format (``SparseWeight``:
/// CSR, block-sparse or packed N:M): y = x·Wᵀ + b with that format's kernel. Built from a (pruned)
/// Linear; gradients do not flow through it.
public final class SparseLinear: LinearLayer {
    public let weight: any SparseWeight
    public let bias: Tensor?
    public var isTraining = false

    /// A CSR layer (the format that works for any sparsity pattern).
    public convenience init(_ linear: Linear) throws { try self.init(linear, format: .csr) }

    public convenience init(_ linear: Linear, format: SparseFormat) throws {
        try self.init(weight: linear.weight.effectiveValue, bias: linear.bias?.effectiveValue, format: format)
    }

    /// A layer y = x·Wᵀ + b from a `[out, in]` weight stored in `format`.
    public init(weight w: Tensor, bias: Tensor?, format: SparseFormat) throws {
        weight = try format.make(w)
        self.bias = bias
    }

    public var inFeatures: Int { weight.columns }
    public var outFeatures: Int { weight.rows }
    public var biasValue: Tensor? { bias }

    /// `x` is `[..., in]`; leading axes are flattened into the batch and restored.
    public func forward(_ x: Variable) throws -> Variable {
        guard x.value.rank >= 1, x.shape.last == weight.columns else {
            throw TensorError.shapeMismatch(op: "SparseLinear", shapes: [x.shape, [weight.rows, weight.columns]],
                                            reason: "input features must equal the weight's columns")
        }
        let lead = Array(x.shape.dropLast())
        var y = try weight.multiply(batch: x.value.reshaped([-1, weight.columns]))
        if let bias {
            let n = weight.rows
            y.scalars.withUnsafeMutableBufferPointer { yp in
                for i in 0..<(yp.count / n) { for j in 0..<n { yp[i * n + j] += bias.scalars[j] } }
            }
        }
        return Variable(try y.reshaped(lead + [weight.rows]))
    }

    public var summary: String { "SparseLinear(\(weight.columns) → \(weight.rows), \(weight.formatName))" }

    /// Replaces every Linear of `model` whose weight is at least `minimumSparsity` zeros by a CSR SparseLinear.
    @discardableResult
    public static func convert(_ model: any Module, minimumSparsity: Double = 0.5) throws -> [String] {
        try convert(model, minimumSparsity: minimumSparsity, chooser: nil).map(\.path)
    }

    /// Replaces the sparse layers of `model` (every ``SparseConvertible`` one), each in the format
    /// `chooser` measures fastest (dense included: a layer stays as it is when no sparse format beats
    /// it); without a chooser, CSR.
    public static func convert(_ model: any Module, minimumSparsity: Double,
                               chooser: SparseFormatChooser?) throws -> [(path: String, format: String)] {
        try SparseConversion.measured(chooser).apply(to: model, minimumSparsity: minimumSparsity)
    }
}

/// A sparse storage format, as chosen on the command line or by measurement.
public enum SparseFormat: Sendable, Equatable, CustomStringConvertible {
    case csr
    case blocks(rows: Int, columns: Int)
    case nOfM(n: Int, m: Int)
    /// Dense int8 with per-row scales (changes the outputs by the quantization error).
    case int8
    /// CSR with int8 values (changes the outputs by the quantization error).
    case csrInt8

    /// Whether the format stores int8 values (its outputs carry a quantization error).
    public var isInt8: Bool { self == .int8 || self == .csrInt8 }

    public func make(_ w: Tensor) throws -> any SparseWeight {
        switch self {
        case .csr: return try CSRMatrix(dense: w)
        case .blocks(let r, let c): return try BlockSparseMatrix(dense: w, blockRows: r, blockColumns: c)
        case .nOfM(let n, let m): return try NMSparseMatrix(dense: w, n: n, m: m)
        case .int8: return try Int8Matrix(dense: w)
        case .csrInt8: return try Int8CSRMatrix(dense: w)
        }
    }

    public var description: String {
        switch self {
        case .csr: return "CSR"
        case .blocks(let r, let c): return "BSR \(r)x\(c)"
        case .nOfM(let n, let m): return "\(n):\(m)"
        case .int8: return "int8"
        case .csrInt8: return "CSR int8"
        }
    }
}

/// Picks, per weight, the fastest way to multiply it at a given batch size by timing dense
/// (OpenBLAS) and every sparse format that can hold the weight compactly: CSR always; block formats
/// when at most `maximumBlockFill`× as many values would be stored as there are non-zeros; N:M when
/// the weight is N:M sparse. The choice is made once, at load time.
public struct SparseFormatChooser: Sendable {
    public var batch: Int
    public var candidates: [SparseFormat]
    public var maximumBlockFill: Double

    public init(batch: Int, candidates: [SparseFormat] = [.csr, .blocks(rows: 4, columns: 1), .blocks(rows: 1,
            columns: 4), .blocks(rows: 4, columns: 4),
                                                            .nOfM(n: 2, m: 4), .nOfM(n: 4,
                                                                                     m: 8)], maximumBlockFill: Double = 1.5) {
        self.batch = batch; self.candidates = candidates; self.maximumBlockFill = maximumBlockFill
    }

    /// The fastest sparse format for `w`, or nil when dense is fastest.
    public func fastest(for w: Tensor) throws -> SparseFormat? {
        var rng = RandomGenerator(seed: 0)
        let x = Tensor.normal([batch, w.shape[1]], using: &rng)
        let nonzeros = w.scalars.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        var best: (SparseFormat?, Double) = (nil, Self.time { _ = try? Tensor.matmul(x, w, transposeB: true) })
        for f in candidates {
            guard let s = try? f.make(w) else { continue }   // not N:M sparse, for example
            if case .blocks = f, let b = s as? BlockSparseMatrix, Double(b.values.count) > maximumBlockFill * Double(max(nonzeros, 1)) { continue }
            let t = Self.time { _ = try? s.multiply(batch: x) }
            if t < best.1 { best = (f, t) }
        }
        return best.0
    }

    /// Best of a few runs after a warm-up, in seconds.
    static func time(_ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = monotonicSeconds()
            body()
            best = min(best, monotonicSeconds() - t0)
        }
        return best
    }
}
