import XCTest
import PruneTensor
import PruneOneShot

/// The one-shot methods on single layers: SparseGPT against a NumPy transcription of the
/// algorithm, and the patterns every method must produce.
final class OneShotMethodTests: XCTestCase {
    struct Reference: Decodable {
        var rows: Int, cols: Int, tokens: Int, blockSize: Int
        var W: [Float], X: [Float]
        var results: [String: [Double]]
    }

    func reference() throws -> (Reference, Tensor, LinearInputStatistics) { try Self.referenceLayer() }

    static func referenceLayer() throws -> (Reference, Tensor, LinearInputStatistics) {
        let url = Bundle.module.url(forResource: "sparsegpt_reference", withExtension: "json", subdirectory: "Fixtures")!
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        let stats = LinearInputStatistics(features: ref.cols, collectGram: true)
        // Two batches, to exercise accumulation.
        let half = ref.tokens / 2
        stats.add(rows: Array(ref.X[0..<(half * ref.cols)]), count: half)
        stats.add(rows: Array(ref.X[(half * ref.cols)...]), count: ref.tokens - half)
        return (ref, Tensor(unchecked: [ref.rows, ref.cols], ref.W), stats)
    }

    func testSparseGPTMatchesReferenceTranscription() throws {
        let (ref, w, stats) = try reference()
        let method = SparseGPT(blockSize: ref.blockSize)
        let cases: [(String, OneShotSparsity)] = [("unstructured50", .unstructured(0.5)), ("unstructured75", .unstructured(0.75)),
                                                  ("2of4", .nOfM(n: 2, m: 4)), ("4of8", .nOfM(n: 4, m: 8))]
        for (key, sparsity) in cases {
            let out = try method.prune(weight: w, statistics: stats, sparsity: sparsity, layer: key)
            let expected = ref.results[key]!
            var worst = 0.0
            for (a, b) in zip(out.scalars, expected) {
                XCTAssertEqual(a == 0, b == 0, "\(key): masks differ")
                worst = max(worst, abs(Double(a) - b))
            }
            XCTAssertLessThan(worst, 1e-3, "\(key): largest weight difference to the reference")
        }
    }

    /// ‖(W − Ŵ)·Xᵀ‖² over the calibration tokens: the layer-wise reconstruction error.
    func reconstructionError(_ w: Tensor, _ pruned: Tensor, _ x: [Float], tokens: Int) -> Double {
        Self.reconstructionError(w, pruned, x, tokens: tokens)
    }

    static func reconstructionError(_ w: Tensor, _ pruned: Tensor, _ x: [Float], tokens: Int) -> Double {
        let rows = w.shape[0], cols = w.shape[1]
        var total = 0.0
        for t in 0..<tokens {
            for r in 0..<rows {
                var s: Float = 0
                for c in 0..<cols { s += (w.scalars[r * cols + c] - pruned.scalars[r * cols + c]) * x[t * cols + c] }
                total += Double(s * s)
            }
        }
        return total
    }

    func testSparseGPTReconstructsBetterThanWandaAndMagnitude() throws {
        let (ref, w, stats) = try reference()
        for sparsity in [OneShotSparsity.unstructured(0.5), .nOfM(n: 2, m: 4)] {
            let errors = try [SparseGPT(blockSize: 16) as any OneShotMethod, Wanda(), MagnitudeOneShot()].map {
                reconstructionError(w, try $0.prune(weight: w, statistics: stats, sparsity: sparsity, layer: "l"), ref.X, tokens: ref.tokens)
            }
            XCTAssertLessThan(errors[0], errors[1], "\(sparsity): SparseGPT vs Wanda")
            XCTAssertLessThan(errors[0], errors[2], "\(sparsity): SparseGPT vs magnitude")
        }
    }

    func testPatternsAreExact() throws {
        let (_, w, stats) = try reference()
        for method in [SparseGPT(blockSize: 16) as any OneShotMethod, Wanda(), MagnitudeOneShot()] {
            let u = try method.prune(weight: w, statistics: stats, sparsity: .unstructured(0.6), layer: "l")
            let zeros = u.scalars.filter { $0 == 0 }.count
            XCTAssertEqual(Double(zeros) / Double(u.count), 0.6, accuracy: 0.02, "\(method.name) unstructured")
            if method is Wanda {
                // Wanda compares within each output row: every row has the same sparsity (40 × 0.6 = 24).
                for r in 0..<w.shape[0] { XCTAssertEqual(u.scalars[(r * 40)..<((r + 1) * 40)].filter { $0 == 0 }.count, 24) }
            }
            let nm = try method.prune(weight: w, statistics: stats, sparsity: .nOfM(n: 2, m: 4), layer: "l")
            for g in stride(from: 0, to: nm.count, by: 4) {
                XCTAssertGreaterThanOrEqual(nm.scalars[g..<(g + 4)].filter { $0 == 0 }.count, 2, "\(method.name) 2:4 group at \(g)")
            }
        }
    }

    func testBadInputsGiveClearErrors() throws {
        let (_, w, stats) = try reference()
        XCTAssertThrowsError(try Wanda().prune(weight: w, statistics: stats, sparsity: .nOfM(n: 2, m: 3), layer: "enc.q")) {
            XCTAssertTrue("\($0)".contains("enc.q") && "\($0)".contains("multiple of M"), "\($0)")
        }
        let empty = LinearInputStatistics(features: 40, collectGram: true)
        XCTAssertThrowsError(try SparseGPT().prune(weight: w, statistics: empty, sparsity: .unstructured(0.5), layer: "enc.k")) {
            XCTAssertTrue("\($0)".contains("enc.k"), "\($0)")
        }
        XCTAssertThrowsError(try OneShotMethods.named("obs")) { XCTAssertTrue("\($0)".contains("sparsegpt")) }
        XCTAssertThrowsError(try OneShotSparsity(pattern: .unstructured, sparsity: 1.2))
    }
}
