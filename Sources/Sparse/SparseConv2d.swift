import CSparseKernels
import Foundation
import PruneAutodiff
import PruneNN
import PruneTensor

/// An inference-only 2-D convolution whose filters are stored in CSR (`[out, in·kh·kw]`): each
/// image's im2col patches (`[in·kh·kw, positions]`) are multiplied by the sparse filters with the
/// SpMM kernel, writing the output channel-major. Ungrouped convolutions only (a depthwise or
/// grouped convolution stays dense).
public final class SparseConv2d: Module {
    public let weight: CSRMatrix
    public let bias: Tensor?
    public let geometry: Conv2dGeometry
    public let inChannels: Int
    public var isTraining = false

    public init(_ conv: Conv2d) throws {
        guard conv.geometry.groups == 1 else {
            throw TensorError.invalidArgument(op: "SparseConv2d",
                                              reason: "grouped convolutions (groups = \(conv.geometry.groups)) are not supported; keep them dense")
        }
        let w = conv.weight.effectiveValue
        inChannels = w.shape[1]
        weight = try CSRMatrix(dense: w.reshaped([w.shape[0], w.count / max(w.shape[0], 1)]))
        bias = conv.bias?.effectiveValue
        geometry = conv.geometry
    }

    public func forward(_ x: Variable) throws -> Variable {
        let input = x.value
        guard input.rank == 4, input.shape[1] == inChannels else {
            throw TensorError.shapeMismatch(op: "SparseConv2d", shapes: [input.shape],
                                            reason: "input must be [N, \(inChannels), H, W]")
        }
        let n = input.shape[0], o = weight.rows, k = weight.columns
        let size = try geometry.outputSize(h: input.shape[2], w: input.shape[3], op: "SparseConv2d")
        let l = size.h * size.w, lp = (l + 15) / 16 * 16
        var out = [Float](repeating: 0, count: n * o * l)
        // Images are split over the cores; each core runs the kernel on its own patch buffer.
        var failure: Error? = nil
        weight.rowStart.withUnsafeBufferPointer { rs in weight.columnIndex.withUnsafeBufferPointer { ci in weight.values.withUnsafeBufferPointer { va in
            out.withUnsafeMutableBufferPointer { op in
                nonisolated(unsafe) let dst = op.baseAddress!
                nonisolated(unsafe) var firstError: Error? = nil
                let lock = NSLock()
                BatchLayout.forRowRanges(n, work: weight.nonzeros * l * n) { images in
                    var cols = [Float](repeating: 0, count: k * lp)
                    cols.withUnsafeMutableBufferPointer { cp in
                        for img in images {
                            do { _ = try Tensor.patches(input, image: img, geometry: geometry, into: cp.baseAddress!,
                                                        rowStride: lp) } catch {
                                lock.lock(); firstError = firstError ?? error; lock.unlock(); return
                            }
                            let base = dst + img * o * l
                            prune_csr_spmm_rows_strided(rs.baseAddress!, ci.baseAddress, va.baseAddress,
                                                        cp.baseAddress!, Int64(lp), Int64(l),
                                                        0, Int64(o), base, 1, Int64(l))
                            if let bias { for c in 0..<o { let b = bias.scalars[c]; for j in 0..<l { base[c * l + j] += b } } }
                        }
                    }
                }
                failure = firstError
            }
        } } }
        if let failure { throw failure }
        return Variable(Tensor(unchecked: [n, o, size.h, size.w], out))
    }

    public var summary: String { String(format: "SparseConv2d(%d → %d, %.1f%% sparse, CSR)", inChannels, weight.rows,
                                        weight.sparsity * 100) }
}

extension SparseConv2d: ExampleWiseLayer {
    public func keepsExamplesApart(inputRank rank: Int) -> Bool { rank == 4 }
}
