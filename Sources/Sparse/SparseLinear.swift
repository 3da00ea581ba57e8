import Foundation
import PruneAutodiff
import PruneNN
import PruneTensor

/// An inference-only Linear layer whose weight is stored in CSR form: y = x·Wᵀ + b with the
/// sparse kernels. Built from a (pruned) Linear; gradients do not flow through it.
public final class SparseLinear: LinearLayer {
    public let weight: CSRMatrix
    public let bias: Tensor?
    public var isTraining = false

    public init(_ linear: Linear) throws {
        weight = try CSRMatrix(dense: linear.weight.effectiveValue)
        bias = linear.bias?.effectiveValue
    }

    public var inFeatures: Int { weight.columns }
    public var outFeatures: Int { weight.rows }
    public var biasValue: Tensor? { bias }

    /// `x` is `[..., in]`; leading axes are flattened into the batch and restored.
    public func forward(_ x: Variable) throws -> Variable {
        guard x.value.rank >= 1, x.shape.last == weight.columns else {
            throw TensorError.shapeMismatch(op: "SparseLinear", shapes: [x.shape, [weight.rows, weight.columns]], reason: "input features must equal the weight's columns")
        }
        let lead = Array(x.shape.dropLast())
        var y = try SparseKernels.multiply(weight, batch: x.value.reshaped([-1, weight.columns]))
        if let bias {
            let n = weight.rows
            y.scalars.withUnsafeMutableBufferPointer { yp in
                for i in 0..<(yp.count / n) { for j in 0..<n { yp[i * n + j] += bias.scalars[j] } }
            }
        }
        return Variable(try y.reshaped(lead + [weight.rows]))
    }

    public var summary: String {
        String(format: "SparseLinear(%d → %d, %.1f%% sparse, CSR)", weight.columns, weight.rows, weight.sparsity * 100)
    }

    /// Replaces every Linear of `model` whose weight is at least `minimumSparsity` zeros by a SparseLinear.
    @discardableResult
    public static func convert(_ model: any Module, minimumSparsity: Double = 0.5) throws -> [String] {
        var replaced: [String] = []
        for (path, m) in model.namedModules() where !path.isEmpty {
            guard let l = m as? Linear else { continue }
            let w = l.weight.effectiveValue.scalars
            let zeros = Double(w.filter { $0 == 0 }.count) / Double(max(w.count, 1))
            guard zeros >= minimumSparsity else { continue }
            try model.replaceModule(at: path, with: try SparseLinear(l))
            replaced.append(path)
        }
        return replaced
    }
}
