import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// Pruning-at-initialization criteria against closed forms computed here in Double: SNIP and GraSP
/// on one Linear layer with softmax cross-entropy, SynFlow on a two-layer ReLU network.
final class InitializationPruningTests: XCTestCase {
    /// One Linear layer (classes × features) and a batch.
    func linearCase(seed: UInt64) -> (Sequential, Linear, [(images: Tensor, labels: [Int])]) {
        var rng = RandomGenerator(seed: seed)
        let layer = Linear(6, 4, rng: &rng)
        let x = (0..<(8 * 6)).map { _ in Float.random(in: -1...1, using: &rng) }
        let labels = (0..<8).map { _ in Int.random(in: 0..<4, using: &rng) }
        return (Sequential(named: [("fc", layer)]), layer, [(Tensor(unchecked: [8, 6], x), labels)])
    }

    /// Softmax probabilities of logits (W x + b)/T for every example, in Double.
    func probabilities(_ layer: Linear, _ x: Tensor, temperature: Double) -> [[Double]] {
        let w = layer.weight.value.scalars.map(Double.init), b = layer.bias!.value.scalars.map(Double.init)
        let n = x.shape[0], d = x.shape[1], c = b.count
        return (0..<n).map { i in
            let z = (0..<c).map { k in ((0..<d).reduce(b[k]) { $0 + w[k * d + $1] * Double(x.scalars[i * d + $1]) })
                / temperature }
            let m = z.max()!, e = z.map { exp($0 - m) }, s = e.reduce(0, +)
            return e.map { $0 / s }
        }
    }

    /// ∂L/∂W of the mean cross-entropy, (1/N) Σ (p − y) xᵀ / T.
    func gradient(_ layer: Linear, _ batch: (images: Tensor, labels: [Int]), temperature: Double) -> [Double] {
        let p = probabilities(layer, batch.images, temperature: temperature)
        let n = batch.images.shape[0], d = batch.images.shape[1], c = p[0].count
        var g = [Double](repeating: 0, count: c * d)
        for i in 0..<n { for k in 0..<c { for j in 0..<d {
            let r = p[i][k] - (batch.labels[i] == k ? 1 : 0)
            g[k * d + j] += r * Double(batch.images.scalars[i * d + j]) / Double(n) / temperature
        } } }
        return g
    }

    func testSNIPScoresAreTheNormalizedGradientTimesWeight() throws {
        let (net, layer, batches) = linearCase(seed: 1)
        let targets = try PruningScope().targets(in: net)
        let got = try SNIPAtInit().scores(net, targets: targets, data: InitializationData(batches: batches, seed: 0))[0]
        let w = layer.weight.value.scalars.map(Double.init)
        let raw = zip(gradient(layer, batches[0], temperature: 1), w).map { abs($0 * $1) }
        let total = raw.reduce(0, +)
        for (a, b) in zip(got, raw) { XCTAssertEqual(Double(a), b / total, accuracy: 1e-5) }
        XCTAssertEqual(got.reduce(0, +), 1, accuracy: 1e-4)
    }

    /// H·g of the mean cross-entropy of one Linear layer: (1/N) Σ (diag p − p pᵀ)(G x) xᵀ / T².
    func hessianTimesGradient(_ layer: Linear, _ batch: (images: Tensor, labels: [Int]),
                              temperature: Double) -> [Double] {
        let p = probabilities(layer, batch.images, temperature: temperature)
        let g = gradient(layer, batch, temperature: temperature)
        let n = batch.images.shape[0], d = batch.images.shape[1], c = p[0].count
        var out = [Double](repeating: 0, count: c * d)
        for i in 0..<n {
            let x = (0..<d).map { Double(batch.images.scalars[i * d + $0]) }
            let gx = (0..<c).map { k in (0..<d).reduce(0.0) { $0 + g[k * d + $1] * x[$1] } }
            let pgx = zip(p[i], gx).reduce(0.0) { $0 + $1.0 * $1.1 }
            for k in 0..<c { for j in 0..<d {
                out[k * d + j] += p[i][k] * (gx[k] - pgx) * x[j] / Double(n) / (temperature * temperature)
            } }
        }
        return out
    }

    func testGraSPScoresAreWeightTimesHessianGradient() throws {
        for temperature in [1.0, 200.0] {
            let (net, layer, batches) = linearCase(seed: 2)
            let targets = try PruningScope().targets(in: net)
            let got = try GraSPAtInit(temperature: Float(temperature)).scores(
                net, targets: targets, data: InitializationData(batches: batches, seed: 0))[0]
            let hg = hessianTimesGradient(layer, batches[0], temperature: temperature)
            let expected = zip(layer.weight.value.scalars.map(Double.init), hg).map { $0 * $1 }
            let scale = expected.map { abs($0) }.max()!
            XCTAssertGreaterThan(scale, 0)
            for (a, b) in zip(got, expected) {
                XCTAssertEqual(Double(a), b, accuracy: 2e-2 * scale, "T = \(temperature)")
            }
        }
    }

    func testSynFlowScoresMatchTheClosedFormOfAPositiveNetwork() throws {
        var rng = RandomGenerator(seed: 3)
        let fc1 = Linear(5, 4, rng: &rng), fc2 = Linear(4, 3, rng: &rng)
        let net = Sequential(named: [("fc1", fc1), ("relu", ReLU()), ("fc2", fc2)])
        let before = net.parameters().map(\.parameter.value)
        let targets = try PruningScope().targets(in: net)
        let input = Tensor(unchecked: [2, 5], [Float](repeating: 0.3, count: 10))
        let data = InitializationData(batches: [(input, [0, 1])], seed: 0)
        let got = try SynFlowAtInit().scores(net, targets: targets, data: data)
        let w1 = fc1.weight.value.scalars.map { abs(Double($0)) }, b1 = fc1.bias!.value.scalars.map { abs(Double($0)) }
        let w2 = fc2.weight.value.scalars.map { abs(Double($0)) }
        let h = (0..<4).map { j in (0..<5).reduce(b1[j]) { $0 + w1[j * 5 + $1] } }
        let column = (0..<4).map { j in (0..<3).reduce(0.0) { $0 + w2[$1 * 4 + j] } }
        for j in 0..<4 { for k in 0..<5 { XCTAssertEqual(Double(got[0][j * 5 + k]), w1[j * 5 + k] * column[j],
                                                         accuracy: 1e-5) } }
        for i in 0..<3 { for j in 0..<4 { XCTAssertEqual(Double(got[1][i * 4 + j]), w2[i * 4 + j] * h[j],
                                                         accuracy: 1e-5) } }
        XCTAssertEqual(net.parameters().map(\.parameter.value), before, "the signed weights are restored")
    }

    func testIterativeSynFlowReachesTheExactCountAndNeverRevivesAWeight() throws {
        var rng = RandomGenerator(seed: 4)
        let net = Sequential(named: [("fc1", Linear(30, 20, rng: &rng)), ("relu", ReLU()),
                                     ("fc2", Linear(20, 10, rng: &rng))])
        let data = InitializationData(batches: [(Tensor(unchecked: [1, 30], [Float](repeating: 0, count: 30)), [0])],
                                      seed: 0)
        let oneRound = try PruneAtInit(criterion: SynFlowAtInit(rounds: 1), sparsity: 0.9)
        let iterative = try PruneAtInit(criterion: SynFlowAtInit(rounds: 20), sparsity: 0.9)
        XCTAssertEqual(try iterative.apply(to: net, data: data), 0.9, accuracy: 1 / 800)
        let kept = try PruningScope().targets(in: net).map { $0.maskScalars.filter { $0 != 0 }.count }
        XCTAssertEqual(kept.reduce(0, +), 80)
        XCTAssertTrue(kept.allSatisfy { $0 > 0 }, "iterative SynFlow keeps every layer alive: \(kept)")
        let second = Sequential(named: [("fc1", Linear(30, 20, rng: &rng)), ("relu", ReLU()),
                                        ("fc2", Linear(20, 10, rng: &rng))])
        XCTAssertEqual(try oneRound.apply(to: second, data: data), 0.9, accuracy: 1 / 800)
    }

    func testRandomAtInitKeepsEachLayersShareOfTheAllocation() throws {
        var rng = RandomGenerator(seed: 5)
        let net = Sequential(named: [("fc1", Linear(50, 40, rng: &rng)), ("relu", ReLU()),
                                     ("fc2", Linear(40, 10, rng: &rng))])
        let data = InitializationData(batches: [], seed: 9)
        try PruneAtInit("random", sparsity: 0.75).apply(to: net, data: data)
        let kept = try PruningScope().targets(in: net).map { $0.maskScalars.filter { $0 != 0 }.count }
        XCTAssertEqual(kept, [500, 100])
        try PruneAtInit("random", sparsity: 0.75, allocation: ErdosRenyiDensity(includesKernel: true))
            .apply(to: net, data: data)
        let erk = try ErdosRenyiDensity(includesKernel: true).densities([[40, 50], [10, 40]], density: 0.25)
        let keptERK = try PruningScope().targets(in: net).map { $0.maskScalars.filter { $0 != 0 }.count }
        XCTAssertEqual(keptERK, [Int((erk[0] * 2000).rounded()), Int((erk[1] * 400).rounded())])
    }

    func testBadKnobsAreClearErrors() {
        XCTAssertThrowsError(try PruneAtInit("snip", sparsity: 1)) {
            XCTAssertTrue("\($0)".contains("(0, 1)"), "\($0)")
        }
        XCTAssertThrowsError(try PruneAtInit("grasp", sparsity: 0.5, temperature: -1)) {
            XCTAssertTrue("\($0)".contains("temperature"), "\($0)")
        }
        XCTAssertThrowsError(try PruneAtInit("snip", sparsity: 0.5, temperature: 2)) {
            XCTAssertTrue("\($0)".contains("GraSP"), "\($0)")
        }
        XCTAssertThrowsError(try PruneAtInit("obd-at-init", sparsity: 0.5)) {
            XCTAssertTrue("\($0)".contains("synflow"), "\($0)")
        }
    }
}
