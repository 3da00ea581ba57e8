import XCTest
import Foundation
import Prune

/// `--axis all`: whole blocks compete with groups and units by the change they make to the residual stream.
final class DepthInTheMixTests: XCTestCase {
    func testANearIdentityBlockGoesFirstAndCostsItsWeights() throws {
        let m = try TinyLlama.model(blocks: 4)
        try TinyLlama.quiet(block: 2, of: m)
        let calibration = TinyLlama.rows(count: 2, length: 8, seed: 9)
        let scores = try LlamaStructureScores.measure(m, calibration: calibration, importance: FluctuationImportance())
        // blockChange is ‖x_out − x_in‖² per token, computed here from the block's own outputs.
        var h = try m.embed(calibration[0].rows)
        for b in 0..<4 {
            let next = try m.runBlock(b, h)
            let d = try (next - h).scalars.reduce(0.0) { $0 + Double($1 * $1) } / Double(2 * 8)
            XCTAssertEqual(scores.blockChange[b], d, accuracy: 1e-4 * d, "block \(b)")
            h = next
        }
        var allocator = LlamaStructureAllocator(axis: .all, spread: .global, removeFraction: 0.2)
        allocator.ranking = .relative
        let plan = try allocator.plan(m, scores: scores, importance: FluctuationImportance())
        XCTAssertEqual(plan.removedBlocks, [2])
        let kept = plan.keptWeights(hidden: 16, headSize: 4), total = m.projectionWeightCount
        XCTAssertGreaterThanOrEqual(1 - Double(kept) / Double(total), 0.2)
        XCTAssertLessThanOrEqual(1 - Double(kept) / Double(total), 0.3, "a block is 25% of the block weights")
        let cut = try TinyLlama.model(blocks: 4)
        try LlamaStructuredPruner(recovery: LeastSquaresRefit(refit: false, compensateBias: false))
            .apply(plan, to: cut, calibration: calibration)
        XCTAssertEqual(cut.layers.count, 3)
        XCTAssertEqual(cut.projectionWeightCount, kept)
        allocator.spread = .uniform
        XCTAssertThrowsError(try allocator.plan(m, scores: scores, importance: FluctuationImportance())) {
            XCTAssertTrue("\($0)".contains("needs --spread global and --ranking relative"), "\($0)")
        }
    }
}
