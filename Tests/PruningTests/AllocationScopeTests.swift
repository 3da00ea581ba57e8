import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// `--allocation erk`: each layer's sparsity is Erdős–Rényi-Kernel's at the overall target, worked out
/// here from its definition (density ∝ Σ dims / Π dims, scaled to the target); recipes and settings
/// name it and refuse it beside a scope.
final class AllocationScopeTests: XCTestCase {
    func testMasksFollowTheERKDensitiesAtEveryTarget() throws {
        var rng = RandomGenerator(seed: 5)
        let model = Sequential(named: [("conv", Conv2d(4, 8, kernel: 3, rng: &rng)), ("flat", Flatten()),
                                       ("fc1", Linear(8 * 4 * 4, 64, rng: &rng)), ("relu", ReLU()),
                                       ("fc2", Linear(64, 64, rng: &rng))])
        let scope = PruningScope(distribution: .allocated(try AllocationRule(named: "erk")))
        let targets = try scope.targets(in: model)
        let shapes = targets.map(\.shape), counts = shapes.map { Double($0.reduce(1, *)) }
        let raw = shapes.map { Double($0.reduce(0, +)) / Double($0.reduce(1, *)) }
        for sparsity in [0.8, 0.9] {
            // None of the three reaches density 1 at these targets, so one ε scales them all.
            let epsilon = (1 - sparsity) * counts.reduce(0, +) / zip(raw, counts).reduce(0) { $0 + $1.0 * $1.1 }
            let masks = try MaskBuilder.masks(targets: targets, criterion: MagnitudeImportance(), statistics: .none,
                                              pattern: .unstructured, scope: scope, sparsity: sparsity)
            var kept = 0.0
            for (k, t) in targets.enumerated() {
                let density = epsilon * raw[k]
                XCTAssertLessThan(density, 1)
                let ones = Double(masks[t.path]!.filter { $0 != 0 }.count)
                XCTAssertEqual(ones, (density * counts[k]).rounded(), accuracy: 1, "\(t.path) at \(sparsity)")
                kept += ones
            }
            XCTAssertEqual(1 - kept / counts.reduce(0, +), sparsity, accuracy: 0.002)
        }
        XCTAssertEqual(PruningScope.Distribution.allocated(try AllocationRule(named: "erk")),
                       .allocated(try AllocationRule(named: "ERK")))
    }

    func testRecipesAndSettingsNameTheAllocation() throws {
        let r = try Recipe.parse("prune: {allocation: erk, sparsity: 0.9}\n")
        XCTAssertEqual(r.settings.allocation, "erk")
        if case .allocated(let rule) = try r.settings.plan(trainCount: 100).scope.distribution {
            XCTAssertEqual(rule.name, "erk")
        } else { XCTFail("not an allocated distribution") }
        XCTAssertThrowsError(try Recipe.parse("prune:\n  allocation: bogus\n")) { e in
            XCTAssertTrue("\(e)".contains("line 2") && "\(e)".contains("erk"), "\(e)")
        }
        var s = PruneSettings()
        s.allocation = "erk"; s.scope = .global
        XCTAssertThrowsError(try s.validate()) { e in XCTAssertTrue("\(e)".contains("without a scope"), "\(e)") }
    }
}
