import CDenseKernels
import Foundation
@testable import PruneTensor
import XCTest

/// Prune's sgemm (`sgemm.c`, AVX-512 or AVX2) against the product summed in Double: edge tiles, blocks of k
/// and of rows, every transposition, alpha and beta, leading dimensions wider than the matrices; every kernel
/// set the CPU runs giving the same bits; and the property the range splits rely on, that a column or row
/// range of C gets the same bits as the whole. On a CPU without either the kernel must decline (and leave C
/// alone), and `Tensor.gemm` is checked.
final class SgemmTests: XCTestCase {
    struct Case {
        let m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float, pad: Int
        var lda: Int { (transA ? m : k) + pad }
        var ldb: Int { (transB ? k : n) + pad }
        var ldc: Int { n + pad }
    }

    func operands(_ c: Case, seed: UInt64) -> (a: [Float], b: [Float], out: [Float]) {
        var rng = RandomGenerator(seed: seed)
        let a = (0..<((c.transA ? c.k : c.m) * c.lda)).map { _ in rng.nextUniform() * 2 - 1 }
        let b = (0..<((c.transB ? c.n : c.k) * c.ldb)).map { _ in rng.nextUniform() * 2 - 1 }
        let out = (0..<(c.m * c.ldc)).map { _ in rng.nextUniform() * 2 - 1 }
        return (a, b, out)
    }

    func reference(_ c: Case, _ a: [Float], _ b: [Float], _ out: [Float]) -> [Double] {
        var result = out.map(Double.init)
        for i in 0..<c.m {
            for j in 0..<c.n {
                var s = 0.0
                for p in 0..<c.k {
                    let av = c.transA ? a[p * c.lda + i] : a[i * c.lda + p]
                    let bv = c.transB ? b[j * c.ldb + p] : b[p * c.ldb + j]
                    s += Double(av) * Double(bv)
                }
                let old = c.beta == 0 ? 0 : Double(c.beta) * Double(out[i * c.ldc + j])
                result[i * c.ldc + j] = Double(c.alpha) * s + old
            }
        }
        return result
    }

    /// Runs the kernel (or `Tensor.gemm` where it declines) on `out`; false when the kernel declined.
    @discardableResult
    func run(_ c: Case, _ a: [Float], _ b: [Float], _ out: inout [Float], rows: Range<Int>? = nil,
             columns: Range<Int>? = nil) -> Bool {
        let r = rows ?? 0..<c.m, cols = columns ?? 0..<c.n
        let aOffset = c.transA ? r.lowerBound : r.lowerBound * c.lda
        let bOffset = c.transB ? cols.lowerBound * c.ldb : cols.lowerBound
        let cOffset = r.lowerBound * c.ldc + cols.lowerBound
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    prune_sgemm(c.transA ? 1 : 0, c.transB ? 1 : 0, Int64(r.count), Int64(cols.count), Int64(c.k),
                                c.alpha, pa.baseAddress! + aOffset, Int64(c.lda), pb.baseAddress! + bOffset,
                                Int64(c.ldb), c.beta, pc.baseAddress! + cOffset, Int64(c.ldc)) != 0
                }
            }
        }
    }

    /// C after the product under each kernel set the CPU runs (none where Prune's sgemm does not run).
    func productsUnderEachKernelSet(_ c: Case, _ a: [Float], _ b: [Float],
                                    _ start: [Float]) -> [(set: String, result: [Float])] {
        let outs = underEachSgemmKernelSet { () -> [Float] in
            var out = start
            XCTAssertTrue(run(c, a, b, &out), "a kernel set declined \(c.m)x\(c.n)x\(c.k)")
            return out
        }
        XCTAssertEqual(outs.isEmpty, prune_sgemm_available() == 0, "no kernel set ran")
        return outs
    }

    func testProductsAgainstDoubleSums() {
        let shapes = [(2, 2, 1), (13, 29, 17), (12, 32, 256), (25, 65, 257), (241, 47, 300), (37, 100, 513),
                      (3, 17, 16), (11, 16, 33)]
        var seed: UInt64 = 1
        for (m, n, k) in shapes {
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                for (alpha, beta, pad) in [(Float(1), Float(0), 0), (0.5, 1, 3), (-2, 0.25, 0)] {
                    let c = Case(m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta, pad: pad)
                    let (a, b, start) = operands(c, seed: seed)
                    seed += 1
                    let expected = reference(c, a, b, start)
                    var out = start
                    if !run(c, a, b, &out) {
                        XCTAssertEqual(prune_sgemm_available(), 0, "declined while available")
                        XCTAssertEqual(out, start, "a declining kernel wrote C")
                        continue
                    }
                    let worst = zip(out, expected).map { abs(Double($0) - $1) }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-5 + 4e-7 * Double(k), "\(m)x\(n)x\(k) tA \(transA) tB \(transB)")
                }
            }
        }
    }

    /// Every kernel set the CPU runs (AVX-512 and AVX2 on an AVX-512 CPU, AVX2 on an AVX2 one) multiplies
    /// within rounding of the Double sums and gives the same bits as the others: one fused multiply-add per k
    /// in the same order, whatever the register tile.
    func testEveryKernelSetGivesTheSameBits() {
        let shapes = [(13, 29, 17), (25, 65, 257), (241, 47, 300), (7, 100, 40), (30, 8, 9)]
        var seed: UInt64 = 100
        for (m, n, k) in shapes {
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                let c = Case(m: m, n: n, k: k, transA: transA, transB: transB, alpha: 0.5, beta: 0.25, pad: 2)
                let (a, b, start) = operands(c, seed: seed)
                seed += 1
                let expected = reference(c, a, b, start)
                let outs = productsUnderEachKernelSet(c, a, b, start)
                for (set, out) in outs {
                    let worst = zip(out, expected).map { abs(Double($0) - $1) }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-5 + 4e-7 * Double(k), "\(set): \(m)x\(n)x\(k) \(transA) \(transB)")
                    XCTAssertEqual(out, outs[0].result, "\(set) and \(outs[0].set) differ: \(m)x\(n)x\(k)")
                }
            }
        }
    }

    /// The sum the sgemm computes, in Float: for each block of k (as `k_step` in sgemm_kernels.h cuts it), one
    /// fused multiply-add per k in order from zero, times alpha, then plus beta·C (one rounding) in the
    /// first block and plus C in the others.
    func blockedReference(_ c: Case, _ a: [Float], _ b: [Float], _ out: [Float]) -> [Float] {
        let blocks = (c.k + 255) / 256, step = ((c.k + blocks - 1) / blocks + 15) / 16 * 16
        var result = out
        for i in 0..<c.m {
            for j in 0..<c.n {
                var value = out[i * c.ldc + j]
                for p0 in stride(from: 0, to: c.k, by: step) {
                    var s: Float = 0
                    for p in p0..<Swift.min(c.k, p0 + step) {
                        let av = c.transA ? a[p * c.lda + i] : a[i * c.lda + p]
                        s = s.addingProduct(av, c.transB ? b[j * c.ldb + p] : b[p * c.ldb + j])
                    }
                    let beta = p0 == 0 ? c.beta : 1
                    value = beta == 0 ? c.alpha * s : (c.alpha * s).addingProduct(beta, value)
                }
                result[i * c.ldc + j] = value
            }
        }
        return result
    }

    /// The last 1–3 columns of a product run with the rows in the vector lanes (sgemm_avx2.c's lane_columns),
    /// 4 A panels at a time and the rest one by one: bit for bit the blocked Float sum, as the 16-column tiles
    /// give it, on every kernel set; 4–5 leftover columns (the tiles) alike.
    func testNarrowLastColumnsGiveTheBitsOfTheBlockedSum() {
        var seed: UInt64 = 300
        for (m, n) in [(50, 1), (50, 2), (50, 3), (7, 17), (61, 18), (50, 19), (50, 49), (13, 35), (50, 36)] {
            for (transB, alpha, beta) in [(false, Float(1), Float(0)), (true, 0.5, 0.25)] {
                let c = Case(m: m, n: n, k: 300, transA: false, transB: transB, alpha: alpha, beta: beta, pad: 1)
                let (a, b, start) = operands(c, seed: seed)
                seed += 1
                let expected = blockedReference(c, a, b, start)
                for (set, out) in productsUnderEachKernelSet(c, a, b, start) {
                    XCTAssertEqual(out.map(\.bitPattern), expected.map(\.bitPattern), "\(set): \(m)x\(n) tB \(transB)")
                }
            }
        }
    }

    /// A row-major B with k up to 32 (sgemm.c's IN_PLACE_K), or up to 128 in products of at most 96 rows and
    /// 256 columns, is read where it lies, not packed (the 16-column tiles load B's rows; the columns left
    /// over are packed): bit for bit the blocked Float sum, as packing gives it, on every kernel set, for
    /// whole tiles, leftover columns of every width, row counts past one block of A (MC, 240), rows wider
    /// than the matrix, and k just past each bound (packed again).
    func testShortRowMajorProductsReadBInPlaceWithThePackedBits() {
        var seed: UInt64 = 500
        for k in [1, 5, 8, 16, 32, 33, 64, 128, 129] {
            for (m, n) in [(16, 196), (7, 49), (50, 16), (13, 3), (241, 35), (6, 20), (9, 22), (5, 7), (8, 30)] {
                for (alpha, beta, pad) in [(Float(1), Float(0), 0), (0.5, 0.25, 5), (1, 1, 1)] {
                    let c = Case(m: m, n: n, k: k, transA: false, transB: false, alpha: alpha, beta: beta, pad: pad)
                    let (a, b, start) = operands(c, seed: seed)
                    seed += 1
                    let expected = blockedReference(c, a, b, start)
                    for (set, out) in productsUnderEachKernelSet(c, a, b, start) {
                        XCTAssertEqual(out.map(\.bitPattern), expected.map(\.bitPattern),
                                       "\(set): \(m)x\(n)x\(k) alpha \(alpha) beta \(beta) pad \(pad)")
                    }
                }
            }
        }
    }

    func testBetaZeroNeverReadsC() {
        let c = Case(m: 14, n: 40, k: 20, transA: false, transB: true, alpha: 1, beta: 0, pad: 0)
        let (a, b, _) = operands(c, seed: 9)
        var out = [Float](repeating: .nan, count: c.m * c.ldc)
        guard run(c, a, b, &out) else { return XCTAssertEqual(prune_sgemm_available(), 0) }
        XCTAssertFalse(out.contains { $0.isNaN }, "beta 0 read a NaN from C")
    }

    func testRangesOfTheProductGiveTheSameBitsAsTheWhole() throws {
        for (transA, transB) in [(false, false), (true, true), (false, true)] {
            let c = Case(m: 50, n: 200, k: 300, transA: transA, transB: transB, alpha: 1, beta: 0.5, pad: 0)
            let (a, b, start) = operands(c, seed: 21)
            var whole = start, byColumns = start, byRows = start
            guard run(c, a, b, &whole) else { return XCTAssertEqual(prune_sgemm_available(), 0) }
            run(c, a, b, &byColumns, columns: 0..<37)
            run(c, a, b, &byColumns, columns: 37..<200)
            run(c, a, b, &byRows, rows: 0..<19)
            run(c, a, b, &byRows, rows: 19..<50)
            XCTAssertEqual(byColumns, whole, "column ranges differ from the whole product")
            XCTAssertEqual(byRows, whole, "row ranges differ from the whole product")
        }
    }

    func testTensorGemmSplitOverTheCoresMatchesOneCall() {
        // Large enough for Tensor.gemm to cut the product into one column range per core.
        let c = Case(m: 96, n: 640, k: 200, transA: false, transB: true, alpha: 1, beta: 0, pad: 0)
        let (a, b, start) = operands(c, seed: 33)
        var single = start, split = start
        let declined = !run(c, a, b, &single)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                split.withUnsafeMutableBufferPointer { pc in
                    Tensor.gemm(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m: c.m, n: c.n, k: c.k,
                                transB: true)
                }
            }
        }
        if declined {
            let expected = reference(c, a, b, start)
            let worst = zip(split, expected).map { abs(Double($0) - $1) }.max() ?? 0
            return XCTAssertLessThan(worst, 1e-4)
        }
        XCTAssertEqual(split, single, "Tensor.gemm's per-core ranges differ from one call")
    }

    /// Each thread's packing buffers are freed when it exits: 600 short-lived threads must not leave their
    /// buffers behind (thread-local buffers without a destructor left 86 MB per 300 threads).
    func testThreadsThatExitFreeTheirPackingBuffers() throws {
        #if os(Linux)
        let (a, b, start) = operands(Case(m: 300, n: 300, k: 300, transA: false, transB: true, alpha: 1, beta: 0,
                                          pad: 0), seed: 41)
        func residentMegabytes() throws -> Double {
            let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
            return Double(fields[1])! * Double(sysconf(Int32(_SC_PAGESIZE))) / 1e6
        }
        let before = try residentMegabytes()
        for _ in 0..<600 {
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                var out = start
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        out.withUnsafeMutableBufferPointer { pc in
                            _ = prune_sgemm(0, 1, 300, 300, 300, 1, pa.baseAddress, 300, pb.baseAddress, 300, 0,
                                            pc.baseAddress, 300)
                        }
                    }
                }
                done.signal()
            }
            thread.start()
            done.wait()
        }
        let growth = try residentMegabytes() - before
        XCTAssertLessThan(growth, 60, "600 threads that exited left \(growth) MB resident")
        #endif
    }
}
