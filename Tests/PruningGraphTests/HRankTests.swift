import PruneAutodiff
import PruneNN
import PrunePruning
import PrunePruningGraph
import PruneTensor
import XCTest

/// HRank: numerical ranks in closed form, the per-channel average over images, and structured pruning
/// that keeps the filters whose feature maps have the highest average rank (checked against ranks
/// computed here by Gaussian elimination, a different algorithm from the SVD the library uses).
final class HRankTests: XCTestCase {
    /// Σ_k u_k v_kᵀ of `rank` random outer products: a rows × columns matrix of exactly that rank.
    func lowRank(_ rank: Int, rows: Int, columns: Int, rng: inout RandomGenerator) -> [Float] {
        var a = [Float](repeating: 0, count: rows * columns)
        for _ in 0..<rank {
            let u = Tensor.uniform([rows], low: -1, high: 1, using: &rng).scalars
            let v = Tensor.uniform([columns], low: -1, high: 1, using: &rng).scalars
            for i in 0..<rows { for j in 0..<columns { a[i * columns + j] += u[i] * v[j] } }
        }
        return a
    }

    func testMatrixRankInClosedForm() throws {
        var rng = RandomGenerator(seed: 3)
        for k in 0...6 {
            XCTAssertEqual(MatrixRank.rank(lowRank(k, rows: 12, columns: 9, rng: &rng), rows: 12, columns: 9), k)
            XCTAssertEqual(MatrixRank.rank(lowRank(k, rows: 7, columns: 10, rng: &rng), rows: 7, columns: 10), k)
        }
        XCTAssertEqual(MatrixRank.rank(lowRank(20, rows: 12, columns: 9, rng: &rng), rows: 12, columns: 9), 9)
        // Noise far below σ_max · max(m, n) · ε(Float32) does not raise the rank.
        var noisy = lowRank(2, rows: 12, columns: 9, rng: &rng)
        for i in noisy.indices { noisy[i] += Float(i % 5) * 1e-10 }
        XCTAssertEqual(MatrixRank.rank(noisy, rows: 12, columns: 9), 2)
        XCTAssertEqual(MatrixRank.rank([0, 0, 0, 0], rows: 2, columns: 2), 0)
        XCTAssertEqual(MatrixRank.rank([5], rows: 1, columns: 1), 1)
    }

    func testFeatureMapRanksAverageOverImages() throws {
        // Two images, three channels of 6 × 5 maps: ranks (1, 3, 0) and (2, 3, 5).
        var rng = RandomGenerator(seed: 8)
        let ranks = [[1, 3, 0], [2, 3, 5]]
        var scalars: [Float] = []
        for image in ranks { for r in image { scalars += lowRank(r, rows: 6, columns: 5, rng: &rng) } }
        let accumulator = FeatureMapRanks().makeAccumulator(targets: [], settings: CalibrationSettings())
        accumulator.observe(output: try Tensor(shape: [2, 3, 6, 5], scalars: scalars), layerPath: "conv", layer: ReLU())
        var stats = CalibrationStatistics()
        try accumulator.finish(batches: 1, into: &stats)
        XCTAssertEqual(stats.custom[FeatureMapRanks.statisticKey]?["conv"], [1.5, 3, 2.5])
    }

    func testStructuredHRankKeepsTheHighestRankFilters() throws {
        let model = try ModelZoo.make("lenet5", seed: 4)
        var rng = RandomGenerator(seed: 9)
        let images = Tensor.uniform([16, 1, 28, 28], low: 0, high: 1, using: &rng)
        let set = try LabeledImages(images: images, labels: (0..<16).map { $0 % 10 }, classes: 10)
        // By hand: conv1 → ReLU → pool → conv2 → ReLU, then each map's rank by elimination.
        let features = try XCTUnwrap(try model.module(at: "features") as? Sequential)
        var h = Variable(set.images)
        for (_, layer) in features.layers.prefix(5) { h = try layer.forward(h) }
        let a = h.value, (c, hh, ww) = (a.shape[1], a.shape[2], a.shape[3])
        let expected = (0..<c).map { ch in
            (0..<16).reduce(0.0) { sum, b in
                let start = (b * c + ch) * hh * ww
                return sum + Double(Self.eliminationRank(Array(a.scalars[start..<start + hh * ww]), hh, ww))
            } / 16
        }
        let graph = try DependencyGraph(tracing: model, example: Tensor.zeros([1, 1, 28, 28]))
        let stats = try Calibration.collect(model: model, targets: try graph.weightTargets(),
                                            needs: [FeatureMapRanks()], loader: try DataLoader(set, batchSize: 16),
                                            batches: 1)
        let conv2 = try XCTUnwrap(graph.groups.first { $0.producers.first?.path == "features.3" })
        let scores = try XCTUnwrap(HRankImportance().memberChannelScores(try conv2.view(), statistics: stats).first)
        // Elimination's cut-off is not the SVD's σ_max · max(m, n) · ε, so a map with a singular value near the
        // cut-off may count one lower or higher: at most 2 of the 16 × 32 maps may differ, by one each.
        XCTAssertEqual(scores.count, expected.count)
        let differing = zip(scores, expected).reduce(0.0) { $0 + abs($1.0 - $1.1) * 16 }
        XCTAssertLessThanOrEqual(differing, 2, "\(scores) vs \(expected)")
        XCTAssertGreaterThan(Set(expected).count, 1, "the filters' ranks differ, so the choice means something")
        let biasBefore = try model.parameter(at: "features.3.bias").value.scalars
        let keep = (0..<c).sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            .prefix(c / 2).sorted()
        let calibration = StructuredCalibration(loader: try DataLoader(set, batchSize: 16), batches: 1)
        _ = try StructuredPruner(criterion: ImportanceRegistry.make("hrank"), target: .channelRatio(0.5))
            .prune(model, example: Tensor.zeros([1, 1, 28, 28]), calibration: calibration)
        XCTAssertEqual(try model.parameter(at: "features.3.bias").value.scalars, keep.map { biasBefore[$0] })
    }

    /// Rank by Gaussian elimination with partial pivoting in Double, pivots below 1e-7 of the largest
    /// entry counted as zero.
    static func eliminationRank(_ values: [Float], _ rows: Int, _ columns: Int) -> Int {
        var m = values.map(Double.init)
        let scale = m.map(abs).max() ?? 0
        guard scale > 0 else { return 0 }
        var rank = 0
        for col in 0..<columns where rank < rows {
            let pivot = (rank..<rows).max { abs(m[$0 * columns + col]) < abs(m[$1 * columns + col]) }!
            guard abs(m[pivot * columns + col]) > 1e-7 * scale else { continue }
            for j in 0..<columns { m.swapAt(pivot * columns + j, rank * columns + j) }
            for i in (rank + 1)..<rows {
                let f = m[i * columns + col] / m[rank * columns + col]
                for j in col..<columns { m[i * columns + j] -= f * m[rank * columns + j] }
            }
            rank += 1
        }
        return rank
    }
}
