import PruneNN
import PruneOneShot
import PrunePruning
import PruneTensor
import XCTest

/// Every importance criterion drives one-shot transformer pruning: through `CriterionOneShot`, the
/// `wanda` criterion gives exactly the dedicated Wanda method's weights, `l2` keeps each layer's
/// largest |w|, and criteria that need labels are refused.
final class CriterionOneShotTests: XCTestCase {
    private func layer(seed: UInt64) -> (Tensor, LinearInputStatistics) {
        var rng = RandomGenerator(seed: seed)
        let w = Tensor.normal([24, 32], using: &rng)
        let x = Tensor.normal([50, 32], using: &rng)
        let scaled = x.scalars.enumerated().map { $0.element * Float(1 + $0.offset % 32) / 8 }   // features of different scale
        let stats = LinearInputStatistics(features: 32, collectGram: false)
        stats.add(rows: scaled, count: 50)
        return (w, stats)
    }

    func testTheWandaCriterionEqualsTheDedicatedWandaMethod() throws {
        let (w, stats) = layer(seed: 3)
        let viaCriterion = try OneShotMethods.named("wanda") as? Wanda
        XCTAssertNotNil(viaCriterion, "the dedicated method wins the name")
        for sparsity in [OneShotSparsity.unstructured(0.5), .nOfM(n: 2, m: 4)] {
            let dedicated = try Wanda().prune(weight: w, statistics: stats, sparsity: sparsity, layer: "fc")
            let adapted = try CriterionOneShot(WandaImportance()).prune(weight: w, statistics: stats, sparsity: sparsity, layer: "fc")
            XCTAssertEqual(adapted.scalars, dedicated.scalars, "\(sparsity)")
        }
    }

    func testAWeightCriterionKeepsTheLargestWeightsAndLabelledCriteriaAreRefused() throws {
        let (w, stats) = layer(seed: 4)
        let l2 = try OneShotMethods.named("l2")
        XCTAssertEqual(l2.name, "l2")
        let pruned = try l2.prune(weight: w, statistics: stats, sparsity: .unstructured(0.75), layer: "fc")
        let threshold = w.scalars.map { abs($0) }.sorted()[w.count * 3 / 4 - 1]
        for (a, b) in zip(pruned.scalars, w.scalars) { XCTAssertEqual(a, abs(b) > threshold ? b : 0) }
        XCTAssertThrowsError(try OneShotMethods.named("taylor").prune(weight: w, statistics: stats, sparsity: .unstructured(0.5),
                                                                      layer: "fc")) { e in
            XCTAssertTrue("\(e)".contains("gradients"), "\(e)")
        }
        XCTAssertThrowsError(try OneShotMethods.named("nonsense"))
    }
}
