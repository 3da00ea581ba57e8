import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// Density allocations, drop-and-grow and dynamic network surgery against straightforward
/// recomputations written here.
final class SparseTrainingTests: XCTestCase {
    let lenet300 = [[300, 784], [100, 300], [10, 100]]

    /// ERK by bisection on ε of Σ min(1, ε·raw)·n = budget (a different algorithm from the library's).
    func bisectedERK(_ shapes: [[Int]], density: Double, kernel: Bool) -> [Double] {
        let raw = shapes.map { s -> Double in
            let dims = kernel ? s : Array(s.prefix(2))
            return Double(dims.reduce(0, +)) / Double(dims.reduce(1, *))
        }
        let counts = shapes.map { Double($0.reduce(1, *)) }, budget = density * counts.reduce(0, +)
        var lo = 0.0, hi = 1e9
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            let used = zip(raw, counts).reduce(0.0) { $0 + min(1, mid * $1.0) * $1.1 }
            if used < budget { lo = mid } else { hi = mid }
        }
        return raw.map { min(1, lo * $0) }
    }

    func testERKMatchesTheClosedFormAndCapsDenseLayers() throws {
        for density in [0.02, 0.05, 0.1, 0.5, 0.9] {
            let got = try ErdosRenyiDensity(includesKernel: true).densities(lenet300, density: density)
            for (a, b) in zip(got, bisectedERK(lenet300, density: density, kernel: true)) {
                XCTAssertEqual(a, b, accuracy: 1e-9, "density \(density)")
            }
            let counts = lenet300.map { Double($0.reduce(1, *)) }
            XCTAssertEqual(zip(got, counts).reduce(0) { $0 + $1.0 * $1.1 } / counts.reduce(0, +), density,
                           accuracy: 1e-12)
        }
        let at05 = try ErdosRenyiDensity(includesKernel: true).densities(lenet300, density: 0.05)
        XCTAssertEqual(at05[0], 0.05 * 266_200 / 1_594 * 1_084 / 235_200, accuracy: 1e-12)
        let convs = [[64, 3, 3, 3], [128, 64, 3, 3], [10, 128]]
        let erk = try ErdosRenyiDensity(includesKernel: true).densities(convs, density: 0.1)
        let er = try ErdosRenyiDensity(includesKernel: false).densities(convs, density: 0.1)
        for (a, b) in zip(erk, bisectedERK(convs, density: 0.1, kernel: true)) { XCTAssertEqual(a, b, accuracy: 1e-9) }
        for (a, b) in zip(er, bisectedERK(convs, density: 0.1, kernel: false)) { XCTAssertEqual(a, b, accuracy: 1e-9) }
        XCTAssertThrowsError(try UniformDensity().densities(lenet300, density: 0)) {
            XCTAssertTrue("\($0)".contains("(0, 1]"), "\($0)")
        }
        XCTAssertThrowsError(try DensityAllocations.named("lognormal")) { XCTAssertTrue("\($0)".contains("erk")) }
    }

    func testCosineUpdateFraction() throws {
        let s = try MaskUpdateSchedule(interval: 100, endStep: 1_000, fraction: 0.3)
        XCTAssertEqual(s.updateFraction(at: 0), 0.3, accuracy: 1e-12)
        XCTAssertEqual(s.updateFraction(at: 500), 0.15, accuracy: 1e-12)
        XCTAssertEqual(s.updateFraction(at: 250), 0.15 * (1 + cos(Double.pi / 4)), accuracy: 1e-12)
        XCTAssertEqual([0, 100, 950, 1_000, 1_100].map(s.isUpdate), [false, true, false, false, false])
        XCTAssertThrowsError(try MaskUpdateSchedule(interval: 0, endStep: 10))
        XCTAssertThrowsError(try MaskUpdateSchedule(interval: 10, endStep: 100, fraction: 0))
    }

    /// A layer with a random mask at `density`, random values and a dense gradient.
    func layer(seed: UInt64, density: Double) -> (PruningTarget, DropAndGrow.Type) {
        var rng = RandomGenerator(seed: seed)
        let linear = Linear(40, 25, rng: &rng)
        let target = PruningTarget(layer: linear, at: "fc")
        let gradient = (0..<1000).map { _ in Float.random(in: -1...1, using: &rng) }
        linear.weight.denseGradient = Tensor(unchecked: [25, 40], gradient)
        return (target, DropAndGrow.self)
    }

    func testRigLDropsTheSmallestActiveAndGrowsTheLargestGradients() throws {
        let (t, _) = layer(seed: 1, density: 0.2)
        let hook = DropAndGrow(targets: [t], densities: [0.2], growth: GradientRegrowth(),
                               schedule: try MaskUpdateSchedule(interval: 1, endStep: 10), seed: 3)
        var rng = RandomGenerator(seed: 8)
        t.parameter.value = Tensor(unchecked: t.shape, (0..<1000).map { _ in Float.random(in: -1...1, using: &rng) })
        t.parameter.value = t.parameter.effectiveValue
        let before = t.maskScalars, values = t.parameter.value.scalars, grad = t.parameter.denseGradient!.scalars
        hook.update(t, fraction: 0.3)
        let active = before.indices.filter { before[$0] != 0 }
        XCTAssertEqual(active.count, 200)
        let drop = Set(active.sorted { abs(values[$0]) < abs(values[$1]) }.prefix(60))
        let candidates = before.indices.filter { before[$0] == 0 || drop.contains($0) }
        let grow = Set(candidates.sorted { abs(grad[$0]) > abs(grad[$1]) }.prefix(60))
        let expected = before.indices.map { (before[$0] != 0 && !drop.contains($0)) || grow.contains($0) }
        let after = t.maskScalars, newValues = t.parameter.value.scalars
        XCTAssertEqual(after.map { $0 != 0 }, expected)
        XCTAssertEqual(after.filter { $0 != 0 }.count, 200)
        for i in after.indices {
            XCTAssertEqual(newValues[i], after[i] == 0 || before[i] == 0 ? 0 : values[i])
        }
    }

    func testSETKeepsTheDensityAndDropsTheSmallest() throws {
        let (t, _) = layer(seed: 2, density: 0.1)
        let hook = DropAndGrow(targets: [t], densities: [0.1], growth: RandomRegrowth(),
                               schedule: try MaskUpdateSchedule(interval: 1, endStep: 10, cosineDecay: false), seed: 4)
        var rng = RandomGenerator(seed: 9)
        t.parameter.value = Tensor(unchecked: t.shape, (0..<1000).map { _ in Float.random(in: 0.1...1, using: &rng) })
        t.parameter.value = t.parameter.effectiveValue
        let before = t.maskScalars, values = t.parameter.value.scalars
        try hook.didStep(1)
        let after = t.maskScalars
        XCTAssertEqual(after.filter { $0 != 0 }.count, 100)
        let active = before.indices.filter { before[$0] != 0 }
        let drop = Set(active.sorted { abs(values[$0]) < abs(values[$1]) }.prefix(30))
        let dropped = before.indices.filter { before[$0] != 0 && after[$0] == 0 }
        XCTAssertGreaterThanOrEqual(dropped.count, 20, "the constant fraction 0.3 of 100 (a few may grow back)")
        XCTAssertTrue(dropped.allSatisfy(drop.contains), "only the 30 smallest active weights may go")
        XCTAssertTrue(active.filter { !drop.contains($0) }.allSatisfy { after[$0] != 0 })
        XCTAssertEqual(hook.replaced, before.indices.filter { before[$0] == 0 && after[$0] != 0 }.count)
    }

    func testDNSFromScratchStartsDenseAndRampsToItsDensity() throws {
        var rng = RandomGenerator(seed: 5)
        let linear = Linear(50, 40, rng: &rng)
        let t = PruningTarget(layer: linear, at: "fc")
        let dns = DynamicNetworkSurgery(targets: [t], densities: [0.1],
                                        schedule: try MaskUpdateSchedule(interval: 1, endStep: 100))
        XCTAssertEqual(t.maskScalars.filter { $0 != 0 }.count, 2000, "dense at the start")
        XCTAssertEqual(dns.density(0.1, at: 50), 0.1 + 0.9 * 0.125, accuracy: 1e-12)
        let magnitudes = linear.weight.value.scalars.map { abs($0) }
        let threshold = magnitudes.sorted(by: >)[Int((0.2125 * 2000).rounded()) - 1]
        try dns.didStep(50)
        // Every weight was active, so all of those at or above 0.9·t stay (the band keeps active ones).
        XCTAssertEqual(t.maskScalars.filter { $0 != 0 }.count, magnitudes.filter { $0 >= 0.9 * threshold }.count)
        try dns.didStep(99)
        XCTAssertEqual(t.maskScalars.filter { $0 != 0 }.count, 200)
    }

    func testDNSPrunesBelowTheBandSplicesAboveAndFinishesExactly() throws {
        let linear = Linear(weight: Tensor(unchecked: [1, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), bias: nil)
        let t = PruningTarget(layer: linear, at: "fc")
        let dns = DynamicNetworkSurgery(targets: [t], densities: [0.5],
                                        schedule: try MaskUpdateSchedule(interval: 1, endStep: 5), ramp: false)
        XCTAssertEqual(t.maskScalars, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
        XCTAssertTrue(t.parameter.updatesPrunedWeights)
        // The 5th largest |w| is t = 6.5: band [5.85, 7.15).
        linear.weight.value = Tensor(unchecked: [1, 10], [12, 2, 3, 4, 6, 6.5, 1, 8, 9, 10])
        try dns.didStep(1)
        // 12 (pruned) is spliced back; 6 (pruned, inside the band) stays pruned; 6.5 (kept, inside) stays
        // kept; 1 (kept, below) is pruned.
        XCTAssertEqual(t.maskScalars, [1, 0, 0, 0, 0, 1, 0, 1, 1, 1])
        XCTAssertEqual(dns.spliced, 1)
        linear.weight.value = Tensor(unchecked: [1, 10], [12, 2, 3, 4, 9.5, 6.5, 1, 8, 9, 10])
        try dns.didStep(4)
        XCTAssertEqual(t.maskScalars, [1, 0, 0, 0, 0, 1, 0, 1, 1, 1],
                       "the finish keeps the active set when it has the count")
        XCTAssertFalse(t.parameter.updatesPrunedWeights)
        XCTAssertEqual(linear.weight.value.scalars, [12, 0, 0, 0, 0, 6.5, 0, 8, 9, 10])
    }
}

/// The selection used by every mask against a full sort with the same tie rule.
final class MaskSelectionTests: XCTestCase {
    func testSelectionEqualsSortingWithTiesTowardTheLowerIndex() {
        var rng = RandomGenerator(seed: 11)
        for trial in 0..<200 {
            let n = Int.random(in: 1...300, using: &rng)
            let levels = Int.random(in: 1...6, using: &rng)
            var scores = (0..<n).map { _ in Float(Int.random(in: 0..<levels, using: &rng)) }
            if trial % 3 == 0 { scores = scores.map { $0 + Float.random(in: 0..<1, using: &rng) } }
            if trial % 7 == 0 { scores[0] = .nan }
            let k = Int.random(in: 0...(n + 1), using: &rng)
            let key = { (i: Int) -> Float in scores[i].isNaN ? -.infinity : scores[i] }
            let sorted = scores.indices.sorted { key($0) > key($1) || (key($0) == key($1) && $0 < $1) }
            XCTAssertEqual(MaskSelection.largestIndices(scores, count: k), Array(sorted.prefix(k)).sorted(),
                           "trial \(trial)")
        }
    }
}
