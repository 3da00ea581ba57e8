import XCTest
import PruneTensor
@testable import PruneOneShot

/// ALPS on the SparseGPT reference layer: exact patterns, optimality of the refit on its support
/// (the restricted normal equations hold), and a lower layer-wise reconstruction error than SparseGPT.
final class ALPSTests: XCTestCase {
    typealias base = OneShotMethodTests

    func testPatternsAndRefitOptimality() throws {
        let (ref, w, stats) = try base.referenceLayer()
        let rows = ref.rows, cols = ref.cols
        // The objective ALPS minimizes: H dampened by 1% of its mean diagonal.
        var h = try XCTUnwrap(stats.hessian())
        let mean = (0..<cols).reduce(0.0) { $0 + h[$1 * cols + $1] } / Double(cols)
        for i in 0..<cols { h[i * cols + i] += 0.01 * mean }
        for sparsity in [OneShotSparsity.unstructured(0.5), .unstructured(0.7), .nOfM(n: 2, m: 4)] {
            let out = try ALPS().prune(weight: w, statistics: stats, sparsity: sparsity, layer: "l")
            let zeros = out.scalars.filter { $0 == 0 }.count
            XCTAssertEqual(Double(zeros) / Double(out.count), sparsity.fraction, accuracy: 1.0 / Double(out.count))
            if case .nOfM = sparsity {
                for g in stride(from: 0, to: out.count,
                                by: 4) { XCTAssertGreaterThanOrEqual(out.scalars[g..<(g + 4)].filter { $0 == 0 }.count,
                                                                     2) }
            }
            // KKT on the support: ((W − Ŵ)·H)_ij = 0 wherever W_ij ≠ 0, relative to (Ŵ·H)'s size.
            var worst = 0.0, scale = 0.0
            for r in 0..<rows {
                for j in 0..<cols {
                    var g = 0.0, s = 0.0
                    for k in 0..<cols {
                        g += Double(out.scalars[r * cols + k] - w.scalars[r * cols + k]) * h[k * cols + j]
                        s += Double(w.scalars[r * cols + k]) * h[k * cols + j]
                    }
                    scale = max(scale, abs(s))
                    if out.scalars[r * cols + j] != 0 { worst = max(worst, abs(g)) }
                }
            }
            XCTAssertLessThan(worst / scale, 1e-4,
                              "\(sparsity): the refit is the least-squares solution on its support")
        }
    }

    func testReconstructsBetterThanSparseGPT() throws {
        let (ref, w, stats) = try base.referenceLayer()
        for sparsity in [OneShotSparsity.unstructured(0.6), .nOfM(n: 2, m: 4)] {
            let alps = base.reconstructionError(w, try ALPS().prune(weight: w, statistics: stats, sparsity: sparsity,
                                                                    layer: "l"),
                                                ref.X, tokens: ref.tokens)
            let sgpt = base.reconstructionError(w, try SparseGPT(blockSize: 16).prune(weight: w, statistics: stats,
                                                                                      sparsity: sparsity, layer: "l"),
                                                ref.X, tokens: ref.tokens)
            XCTAssertLessThan(alps, sgpt, "\(sparsity): ALPS \(alps) vs SparseGPT \(sgpt)")
        }
    }

    func testQuickselectAndEigendecomposition() throws {
        var rng = RandomGenerator(seed: 3)
        let values = (0..<1001).map { _ in Float(rng.nextNormal()) } + [0.5, 0.5, 0.5]
        let sorted = values.sorted()
        for k in [1, 2, 500, 1003, 1004] { XCTAssertEqual(Selection.kthSmallest(values, k), sorted[k - 1]) }
        let n = 6
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { let v = Double(rng.nextNormal()); a[i * n + j] = v; a[j * n + i] = v } }
        let e = try XCTUnwrap(SymmetricEigen(a, n: n))
        for i in 0..<n {
            for j in 0..<n {
                let back = (0..<n).reduce(0.0) { $0 + e.vectors[i * n + $1] * e.values[$1] * e.vectors[j * n + $1] }
                XCTAssertEqual(back, a[i * n + j], accuracy: 1e-9)
            }
        }
    }
}

/// OWL's allocation and the perplexity arithmetic against closed forms.
final class DecoderArithmeticTests: XCTestCase {
    func testOWLAllocationKeepsTheMeanAndTheBand() {
        let ratios = [0.01, 0.03, 0.02, 0.05, 0.01]
        let s = OWLAllocation.allocate(ratios: ratios, target: 0.6, lambda: 0.08)
        XCTAssertEqual(s.reduce(0, +) / Double(s.count), 0.6, accuracy: 1e-12)
        XCTAssertEqual(s.max()! - s.min()!, 0.16, accuracy: 1e-12, "the spread is 2λ")
        XCTAssertLessThan(s[3], s[1], "more outliers, lower sparsity")
        XCTAssertEqual(s[0], s[4])
        XCTAssertEqual(OWLAllocation.allocate(ratios: [0.2, 0.2], target: 0.5, lambda: 0.08), [0.5, 0.5])
    }

    func testNegativeLogLikelihoodEqualsTheClosedForm() {
        // Vocabulary 3, tokens [0, 2, 1]: positions 1 and 2 are scored from rows 0 and 1.
        let logits: [Float] = [1, 2, 3, 0, 0, 0, 9, 9, 9]
        let nll = Perplexity.negativeLogLikelihood(logits, vocabulary: 3, tokens: [0, 2, 1], from: 1)
        let row0 = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3, row1 = log(3.0)
        XCTAssertEqual(nll, row0 + row1, accuracy: 1e-9)
    }

    func testWindowsAndTheirErrors() throws {
        XCTAssertEqual(try Perplexity.windowStarts(count: 10, length: 4, stride: 4, maxWindows: nil), [0, 4])
        XCTAssertEqual(try Perplexity.windowStarts(count: 10, length: 4, stride: 2, maxWindows: 2), [0, 2])
        XCTAssertThrowsError(try Perplexity.windowStarts(count: 3, length: 4, stride: 4, maxWindows: nil)) {
            XCTAssertTrue("\($0)".contains("shorter than one window"), "\($0)")
        }
        XCTAssertThrowsError(try OneShotSparsity(pattern: .unstructured, sparsity: 1.0)) {
            XCTAssertTrue("\($0)".contains("must be in [0, 1)"), "\($0)")
        }
    }
}
