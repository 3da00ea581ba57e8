import CDenseKernels
@testable import PruneTensor
import XCTest

/// `Tensor.gemm(…, columnBias:)` (a Linear layer's x·Wᵀ + b, the bias written into each block of C by the
/// sgemm just before its first products): the same bits as the old way — C filled with the bias row by row,
/// then the product added with beta 1 — under every kernel set, and within float rounding of a Double sum.
final class ColumnBiasProductTests: XCTestCase {
    /// m, n, k and B's layout: B read in place (k ≤ 32, row-major), k in several blocks, n past one block of
    /// columns and split over the cores by columns, m split by rows, partial tiles, one row, one column, no k.
    let shapes: [(m: Int, n: Int, k: Int, transB: Bool)] = [
        (37, 45, 20, false), (37, 45, 20, true), (300, 70, 600, true), (50, 900, 300, true),
        (500, 40, 129, false), (1000, 300, 77, true), (13, 7, 5, true), (1, 64, 32, true), (64, 1, 32, true),
        (9, 11, 0, true),
    ]

    func testColumnBiasGivesTheBitsOfABiasFilledProduct() {
        for (i, s) in shapes.enumerated() {
            var g = RandomGenerator(seed: UInt64(40 + i))
            let a = (0..<(s.m * s.k)).map { _ in g.nextUniform() * 2 - 1 }
            let b = (0..<(s.k * s.n)).map { _ in g.nextUniform() * 2 - 1 }
            let bias = (0..<s.n).map { _ in g.nextUniform() * 4 - 2 }
            forEachSgemmKernelSet { set in
                let fused = product(a, b, bias, s, fused: true), filled = product(a, b, bias, s, fused: false)
                let differing = zip(fused, filled).filter { $0.bitPattern != $1.bitPattern }.count
                XCTAssertEqual(differing, 0, "\(s) under \(set): the column bias changed the bits")
                let worst = zip(fused, reference(a, b, bias, s)).map { abs(Double($0) - $1) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-4 * Double(max(s.k, 1)), "\(s) under \(set)")
            }
        }
    }

    /// C starts as NaN: the fused product must write every element without reading what C held.
    func testColumnBiasNeverReadsWhatCHeld() {
        let s = shapes[3]
        var g = RandomGenerator(seed: 7)
        let a = (0..<(s.m * s.k)).map { _ in g.nextUniform() }, b = (0..<(s.k * s.n)).map { _ in g.nextUniform() }
        let bias = (0..<s.n).map { Float($0) }
        var c = [Float](repeating: .nan, count: s.m * s.n)
        run(a, b, bias, s, into: &c, fused: true)
        XCTAssertFalse(c.contains { $0.isNaN })
    }

    private func product(_ a: [Float], _ b: [Float], _ bias: [Float], _ s: (m: Int, n: Int, k: Int, transB: Bool),
                         fused: Bool) -> [Float] {
        var c = [Float](repeating: 0, count: s.m * s.n)
        run(a, b, bias, s, into: &c, fused: fused)
        return c
    }

    private func run(_ a: [Float], _ b: [Float], _ bias: [Float], _ s: (m: Int, n: Int, k: Int, transB: Bool),
                     into c: inout [Float], fused: Bool) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                bias.withUnsafeBufferPointer { pbias in
                    c.withUnsafeMutableBufferPointer { pc in
                        let ap = pa.baseAddress ?? UnsafePointer(bitPattern: 64)!
                        let bp = pb.baseAddress ?? UnsafePointer(bitPattern: 64)!
                        if fused {
                            Tensor.gemm(ap, bp, pc.baseAddress!, m: s.m, n: s.n, k: s.k, transB: s.transB,
                                        columnBias: pbias.baseAddress!)
                            return
                        }
                        for r in 0..<s.m { (pc.baseAddress! + r * s.n).update(from: pbias.baseAddress!, count: s.n) }
                        Tensor.gemm(ap, bp, pc.baseAddress!, m: s.m, n: s.n, k: s.k, transB: s.transB, beta: 1)
                    }
                }
            }
        }
    }

    private func reference(_ a: [Float], _ b: [Float], _ bias: [Float], _ s: (m: Int, n: Int, k: Int, transB: Bool))
        -> [Double] {
        (0..<(s.m * s.n)).map { e in
            let i = e / s.n, j = e % s.n
            return (0..<s.k).reduce(Double(bias[j])) { sum, p in
                sum + Double(a[i * s.k + p]) * Double(s.transB ? b[j * s.k + p] : b[p * s.n + j])
            }
        }
    }
}
