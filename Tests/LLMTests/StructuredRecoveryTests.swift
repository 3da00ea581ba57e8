import XCTest
import Foundation
import Prune

/// The least-squares refit and FLAP's bias compensation, checked on raw inputs against the
/// conditions that define them; the allocator's spreads and rounding.
final class StructuredRecoveryTests: XCTestCase {
    /// Correlated inputs `[1, tokens, n]` with non-zero means, a weight `[out, n]`, their statistics.
    func problem(tokens: Int = 300, n: Int = 10, out: Int = 4) throws -> (Tensor, Linear, ChannelStatistics) {
        var rng = RandomGenerator(seed: 11)
        var x = [Float](repeating: 0, count: tokens * n)
        for t in 0..<tokens {
            let shared = rng.nextNormal()
            for c in 0..<n { x[t * n + c] = 0.3 * Float(c) + shared * Float(c % 3) + rng.nextNormal() }
        }
        let input = Tensor(unchecked: [1, tokens, n], x)
        let w = Tensor(unchecked: [out, n], (0..<(out * n)).map { _ in rng.nextNormal() })
        let stats = ChannelStatistics(channels: n)
        stats.add(input)
        stats.finish()
        return (input, Linear(weight: w, bias: Tensor([Float](repeating: 0.5, count: out))), stats)
    }

    func outputs(_ l: Linear, _ x: Tensor, channels: [Int]? = nil) throws -> [Double] {
        let input = try channels.map { try x.gather(axis: 2, indices: $0) } ?? x
        return try withNoGrad { try l.forward(Variable(input)).value.scalars.map(Double.init) }
    }

    func testRefitSatisfiesItsNormalEquations() throws {
        let (x, layer, stats) = try problem()
        let kept = [0, 2, 3, 5, 8, 9], tokens = 300, out = 4, k = kept.count
        for intercept in [false, true] {
            let fit = try LeastSquaresRefit(refit: true, compensateBias: intercept, dampening: 0.01)
                .fit(layer, kept: kept, statistics: stats, path: "test")
            let dense = try outputs(layer, x), pruned = try outputs(fit, x, channels: kept)
            let xk = try x.gather(axis: 2, indices: kept).scalars.map(Double.init)
            // ∂/∂W'[o, j]: Σ_t r_t,o · x_t,j = λ·W'[o, j] (ridge); ∂/∂b: Σ_t r_t,o = 0 with the intercept.
            let diagonal = kept.reduce(0.0) { $0 + stats.gram.map(Double.init)[$1 * 10 + $1] } / Double(k)
            for o in 0..<out {
                for j in 0..<k {
                    let g = (0..<tokens).reduce(0.0) {
                        $0 + (dense[$1 * out + o] - pruned[$1 * out + o]) * xk[$1 * k + j]
                    }
                    let ridge = 0.01 * diagonal * Double(fit.weight.value.scalars[o * k + j])
                    XCTAssertEqual(g, ridge, accuracy: 1e-3 * diagonal, "intercept \(intercept): W'[\(o), \(j)]")
                }
                if intercept {
                    let r = (0..<tokens).reduce(0.0) { $0 + dense[$1 * out + o] - pruned[$1 * out + o] }
                    XCTAssertEqual(r, 0, accuracy: 1e-2, "the intercept zeroes the mean residual")
                }
            }
            let plain = try outputs(try StructuredSlice.columns(layer, kept, "t"), x, channels: kept)
            func error(_ p: [Double]) -> Double { zip(dense, p).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            XCTAssertLessThan(error(pruned), error(plain) * 0.5, "the refit reconstructs far better than slicing")
        }
    }

    func testBiasCompensationKeepsTheMeanOutput() throws {
        let (x, layer, stats) = try problem()
        let kept = [1, 4, 6, 7]
        let fit = try LeastSquaresRefit(refit: false, compensateBias: true).fit(layer, kept: kept, statistics: stats,
                                                                                  path: "test")
        XCTAssertEqual(fit.weight.value.scalars, try StructuredSlice.columns(layer, kept, "t").weight.value.scalars)
        let dense = try outputs(layer, x), pruned = try outputs(fit, x, channels: kept)
        for o in 0..<4 {
            let mean = { (v: [Double]) in (0..<300).reduce(0.0) { $0 + v[$1 * 4 + o] } / 300 }
            XCTAssertEqual(mean(pruned), mean(dense), accuracy: 1e-4)
        }
    }

    func testSpreadsRoundingAndDepth() throws {
        let m = try TinyLlama.model(blocks: 4), calibration = TinyLlama.rows(count: 3, length: 8, seed: 4)
        let scores = try LlamaStructureScores.measure(m, calibration: calibration, importance: OutputEnergyImportance())
        let total = Double(m.projectionWeightCount)
        func removed(_ p: LlamaStructurePlan) -> Double { 1 - Double(p.keptWeights(hidden: 16, headSize: 4)) / total }
        let uniform = try LlamaStructureAllocator(axis: .width, spread: .uniform, removeFraction: 0.3).plan(m,
                scores: scores)
        XCTAssertEqual(Set(uniform.keptUnits.map(\.count)).count, 1, "one width in every block")
        XCTAssertGreaterThanOrEqual(removed(uniform), 0.3)
        let global = try LlamaStructureAllocator(axis: .global, spread: .global, removeFraction: 0.3, roundTo: 4)
            .plan(m, scores: scores)
        XCTAssertTrue(global.keptUnits.allSatisfy { $0.count % 4 == 0 && $0.count >= 4 })
        XCTAssertEqual(removed(global), 0.3, accuracy: 0.08)
        let slots = try LlamaStructureAllocator(axis: .queryHeads, removeFraction: 0.1).plan(m, scores: scores)
        XCTAssertTrue(slots.keptGroups.allSatisfy { $0.count == 2 && $0[0].queryHeads.count == $0[1].queryHeads.count })
        let depth = try LlamaStructureAllocator(axis: .depth, removeFraction: 0.4).plan(m, scores: scores)
        let bi = scores.blockInfluence
        XCTAssertEqual(depth.removedBlocks, bi.indices.sorted { bi[$0] < bi[$1] }.prefix(2).sorted())
        let span = try LlamaStructureAllocator(axis: .depth, removeFraction: 0.4, angularDepth: true).plan(m,
                scores: scores)
        let d = LlamaDepthScores.angularDistances(lastTokenStates: scores.lastTokenStates, length: 2)
        let best = try XCTUnwrap(d.indices.min { d[$0] < d[$1] })
        XCTAssertEqual(span.removedBlocks, [best, best + 1])
        XCTAssertThrowsError(try LlamaStructureAllocator(axis: .depth, removeFraction: 0.9).plan(m, scores: scores))
    }

    func testRelativeRankingRemovesTheLeastErrorPerWeightFirst() throws {
        let m = try TinyLlama.model(blocks: 3), calibration = TinyLlama.rows(count: 3, length: 8, seed: 6)
        let importance = FluctuationImportance()
        let scores = try LlamaStructureScores.measure(m, calibration: calibration, importance: importance)
        var allocator = LlamaStructureAllocator(axis: .width, spread: .global, removeFraction: 0.05)
        allocator.ranking = .relative
        let plan = try allocator.plan(m, scores: scores, importance: importance)
        // The first unit removed has the least fluctuation over its block's residual energy (equal unit costs).
        let ratios = (0..<3).flatMap { b in
            scores.units[b].enumerated().map { (b, $0.offset, $0.element / scores.residualEnergy[b]) }
        }
        let first = try XCTUnwrap(ratios.min { $0.2 < $1.2 })
        XCTAssertFalse(plan.keptUnits[first.0].contains(first.1))
        XCTAssertEqual(scores.residualEnergy.count, 3)
        XCTAssertThrowsError(try allocator.plan(m, scores: scores, importance: ActivationImportance())) {
            XCTAssertTrue("\($0)".contains("needs an importance that measures an output error"), "\($0)")
        }
    }
}
