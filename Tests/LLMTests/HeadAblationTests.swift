import XCTest
import Foundation
import Prune

/// Head and group importance by ablation, checked against the KL of a model with the structure
/// physically removed, computed by hand; the allocator ranks by it and refuses a mix without a
/// common currency.
final class HeadAblationTests: XCTestCase {
    let calibration = TinyLlama.rows(count: 1, length: 10, seed: 40) + TinyLlama.rows(count: 1, length: 10, seed: 41)

    func kl(_ dense: LlamaModel, _ cut: LlamaModel) throws -> Double {
        try TinyLlama.meanKL(dense, cut, calibration.map(\.rows))
    }

    func testAblationScoresEqualTheKLOfTheModelWithoutTheStructure() throws {
        let dense = try TinyLlama.model()
        var scores = try LlamaStructureScores.measure(dense, calibration: calibration,
                                                      importance: OutputEnergyImportance())
        let units = scores.units
        try HeadAblation(windows: 2).apply(to: &scores, model: dense, calibration: calibration)
        XCTAssertTrue(scores.headScoresAreLossIncrease)
        XCTAssertEqual(scores.units, units, "units keep their scores")
        for (block, head) in [(0, 1), (1, 5)] {
            let cut = try TinyLlama.model()
            // The head's columns of o_proj zeroed: exactly its contribution removed.
            let o = try XCTUnwrap(cut.layers[block].attention.output as? Linear)
            var w = o.weight.value.scalars
            for r in 0..<16 { for c in (head * 4)..<(head * 4 + 4) { w[r * 24 + c] = 0 } }
            o.weight.value = Tensor(unchecked: [16, 24], w)
            let expected = try kl(dense, cut)
            XCTAssertEqual(scores.heads[block][head], expected, accuracy: 1e-5 + 1e-3 * expected, "head \(head)")
            XCTAssertGreaterThan(expected, 0)
        }
        for g in 0..<2 {
            let cut = try TinyLlama.model()
            let other = 1 - g
            try cut.layers[1].attention.keep(groups: [KeptHeadGroup(keyValueHead: other,
                                                                    queryHeads: Array((other * 3)..<(other * 3 + 3)))])
            cut.syncConfigWithLayers()
            let expected = try kl(dense, cut)
            XCTAssertEqual(scores.groups[1][g], expected, accuracy: 1e-5 + 1e-3 * expected, "group \(g)")
        }
        let logits = try dense.logits(calibration[0].rows).scalars
        XCTAssertEqual(logits, try TinyLlama.model().logits(calibration[0].rows).scalars, "weights are restored")
    }

    func testTheAllocatorRanksGroupsByTheirLossIncrease() throws {
        let m = try TinyLlama.model(blocks: 4)
        var scores = try LlamaStructureScores.measure(m, calibration: calibration, importance: FluctuationImportance())
        try HeadAblation(windows: 1).apply(to: &scores, model: m, calibration: calibration)
        var allocator = LlamaStructureAllocator(axis: .heads, spread: .global, removeFraction: 0.05)
        allocator.ranking = .relative
        let plan = try allocator.plan(m, scores: scores, importance: FluctuationImportance())
        let removed = (0..<4).flatMap { b in
            (0..<2).filter { g in !plan.keptGroups[b].contains { $0.keyValueHead == g } }.map { (b, $0) }
        }
        let least = (0..<4).flatMap { b in (0..<2).map { (b, $0, scores.groups[b][$0]) } }.min { $0.2 < $1.2 }!
        XCTAssertEqual(removed.count, 1)
        XCTAssertTrue(removed[0] == (least.0, least.1), "removed \(removed), least KL \(least)")
        allocator.axis = .global
        XCTAssertThrowsError(try allocator.plan(m, scores: scores, importance: FluctuationImportance())) {
            XCTAssertTrue("\($0)".contains("--ranking standardized"), "\($0)")
        }
        allocator.ranking = .standardized
        XCTAssertNoThrow(try allocator.plan(m, scores: scores, importance: FluctuationImportance()))
    }
}
