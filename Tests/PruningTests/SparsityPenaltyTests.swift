import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// The penalties' values and gradients against their closed forms, and the hard mask that ends a
/// penalized training.
final class SparsityPenaltyTests: XCTestCase {
    func targets(seed: UInt64) throws -> [PruningTarget] {
        var rng = RandomGenerator(seed: seed)
        let net = Sequential(named: [("fc1", Linear(6, 5, rng: &rng)), ("relu", ReLU()),
                                     ("fc2", Linear(5, 3, rng: &rng))])
        return try PruningScope().targets(in: net)
    }

    /// Checks value and gradient of `penalty` against per-layer closed forms.
    func check(_ penalty: any SparsityPenalty, value: ([Double], Int) -> Double,
               gradient: ([Double], Int) -> [Double]) throws {
        let ts = try targets(seed: 1)
        let p = try penalty.penalty(ts)
        try p.backward()
        var expected = 0.0
        for t in ts {
            let w = t.parameter.value.scalars.map(Double.init)
            expected += value(w, t.fanIn)
            for (a, b) in zip(t.parameter.grad!.scalars, gradient(w, t.fanIn)) {
                XCTAssertEqual(Double(a), b, accuracy: 1e-4 * max(1, abs(b)), penalty.name)
            }
        }
        XCTAssertEqual(Double(p.value.item), expected, accuracy: 1e-4 * expected, penalty.name)
    }

    func testL1GroupLassoAndHoyerMatchTheirClosedForms() throws {
        try check(L1Penalty(), value: { w, _ in w.reduce(0) { $0 + abs($1) } },
                  gradient: { w, _ in w.map { $0 > 0 ? 1 : -1 } })
        try check(GroupLassoPenalty(), value: { w, width in
            stride(from: 0, to: w.count, by: width).reduce(0) { s, r in
                s + w[r..<(r + width)].reduce(0) { $0 + $1 * $1 }.squareRoot() }
        }, gradient: { w, width in
            w.indices.map { i in
                let r = i / width * width
                return w[i] / w[r..<(r + width)].reduce(0) { $0 + $1 * $1 }.squareRoot()
            }
        })
        try check(HoyerSquarePenalty(), value: { w, _ in
            let l1 = w.reduce(0) { $0 + abs($1) }, l2 = w.reduce(0) { $0 + $1 * $1 }
            return l1 * l1 / l2
        }, gradient: { w, _ in
            let l1 = w.reduce(0) { $0 + abs($1) }, l2 = w.reduce(0) { $0 + $1 * $1 }
            return w.map { 2 * l1 * ($0 > 0 ? 1 : -1) / l2 - 2 * l1 * l1 * $0 / (l2 * l2) }
        })
    }

    func testTheHardMaskPrunesWeightsGloballyOrRowsPerLayer() throws {
        let ts = try targets(seed: 2)
        XCTAssertEqual(try SparsityPenalties.hardMask(ts, structured: false, sparsity: 0.5), 0.5, accuracy: 1 / 45)
        var kept: [Float] = [], gone: [Float] = []
        for t in ts {
            let w = t.parameter.value.scalars, m = t.maskScalars
            for i in w.indices { if m[i] != 0 { kept.append(abs(w[i])) } else { gone.append(abs(w[i])) } }
        }
        XCTAssertLessThanOrEqual(gone.max()!, kept.min()!)
        let rows = try targets(seed: 3)
        try SparsityPenalties.hardMask(rows, structured: true, sparsity: 0.4)
        let first = rows[0].maskScalars
        let keptRows = (0..<5).filter { r in first[(r * 6)..<(r * 6 + 6)].allSatisfy { $0 == 1 } }
        let goneRows = (0..<5).filter { r in first[(r * 6)..<(r * 6 + 6)].allSatisfy { $0 == 0 } }
        XCTAssertEqual(keptRows.count, 3)
        XCTAssertEqual(goneRows.count, 2, "whole rows go")
        XCTAssertNil(rows[1].parameter.mask, "the output layer stays whole")
        XCTAssertThrowsError(try SparsityPenalties.named("l3")) { XCTAssertTrue("\($0)".contains("hoyer")) }
    }
}
