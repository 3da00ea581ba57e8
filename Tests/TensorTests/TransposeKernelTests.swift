import CDenseKernels
@testable import PruneTensor
import XCTest

/// `prune_transpose_f32` (16×16 blocks in AVX-512 registers, 8×8 in AVX2 ones, where the CPU has them): every
/// element of the transpose, for shapes with and without partial blocks of rows and columns, leading dimensions
/// wider than the matrix (the sparse kernels' padded batch), and a destination whose padding must stay
/// untouched.
final class TransposeKernelTests: XCTestCase {
    func testEveryElementLandsTransposedAndPaddingStays() {
        let shapes = [(1, 1), (3, 5), (16, 16), (17, 33), (64, 3072), (37, 770), (5, 16), (16, 15)]
        for (rows, cols) in shapes {
            for (srcPad, dstPad) in [(0, 0), (3, 16), (7, 5)] {
                let lds = cols + srcPad, ldd = rows + dstPad
                let src = (0..<(rows * lds)).map { Float($0) * 0.5 - 7 }
                var dst = [Float](repeating: -1, count: cols * ldd)
                src.withUnsafeBufferPointer { s in dst.withUnsafeMutableBufferPointer { d in
                    prune_transpose_f32(s.baseAddress!, Int64(rows), Int64(cols), Int64(lds), d.baseAddress!,
                                        Int64(ldd))
                } }
                for j in 0..<cols {
                    for i in 0..<ldd {
                        let want = i < rows ? src[i * lds + j] : -1
                        XCTAssertEqual(dst[j * ldd + i], want, "\(rows)×\(cols) lds \(lds) ldd \(ldd) at (\(j), \(i))")
                        if dst[j * ldd + i] != want { return }
                    }
                }
            }
        }
    }
}
