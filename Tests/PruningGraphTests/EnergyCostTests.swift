import PruneNN
import PrunePruning
import PrunePruningGraph
import PruneTensor
import XCTest

/// The energy budget of a ratio search equals the report's energy estimate of the model actually pruned
/// to those widths (the report counts from a forward pass; the budget from the traced graph).
final class EnergyCostTests: XCTestCase {
    func check(_ name: String, ratios: [Double]) throws {
        let model = try ModelZoo.make(name, seed: 1)
        let example = Tensor.zeros([1, 1, 28, 28])
        let graph = try DependencyGraph(tracing: model, example: example)
        let space = try RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: 0.5, cost: EnergyCost())
        let dense = try PruningReport.measure(model, scopePaths: [], inputShape: [1, 28, 28])
        XCTAssertEqual(space.cost.cost(graph, widths: space.widths(ratios.map { _ in 0 })),
                       try XCTUnwrap(dense.denseEnergy).total, accuracy: 1e-6 * dense.denseEnergy!.total, name)
        let predicted = space.cost.cost(graph, widths: space.widths(ratios))
        _ = try StructuredPruner(target: .groupRatios(ratios)).prune(model, example: example)
        let pruned = try PruningReport.measure(model, scopePaths: [], inputShape: [1, 28, 28])
        XCTAssertEqual(predicted, try XCTUnwrap(pruned.denseEnergy).total, accuracy: 1e-6 * predicted, name)
        XCTAssertLessThan(predicted, dense.denseEnergy!.total)
    }

    func testTheBudgetEqualsTheReportOfThePrunedModel() throws {
        try check("lenet5", ratios: [0.5, 0.25, 0.4])
        let groups = try DependencyGraph(tracing: try ModelZoo.make("resnet-small", seed: 1),
                                         example: Tensor.zeros([1, 1, 28, 28])).groups.count
        try check("resnet-small", ratios: (0..<groups).map { Double($0 % 3) * 0.25 })
    }
}
