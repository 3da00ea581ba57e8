import XCTest
import Foundation
import Prune

/// Structured decoder pruning on a small random Llama, checked against independent computations:
/// removal equals zeroing, scores equal their definitions on the raw activations, the refit
/// satisfies its normal equations, the compensation keeps the mean output.
final class StructuredDecoderTests: XCTestCase {
    func logits(_ m: LlamaModel) throws -> [Float] {
        try m.logits(TinyLlama.rows(count: 2, length: 7, seed: 5)[0].rows).scalars
    }

    func zeroColumns(_ layer: any LinearLayer, _ columns: [Int]) throws -> Linear {
        let w = try StructuredSlice.dense(layer, "test"), n = w.shape[1]
        var s = w.scalars
        for o in 0..<w.shape[0] { for c in columns { s[o * n + c] = 0 } }
        return Linear(weight: Tensor(unchecked: w.shape, s), bias: layer.biasValue)
    }

    func testRemovingStructuresEqualsZeroingThem() throws {
        let cut = try TinyLlama.model(), zeroed = try TinyLlama.model()
        // Block 0: query heads 1 and 4 go (one per group); block 1: group 0 (heads 0–2) goes; units 3, 7, 20 go.
        try cut.layers[0].attention.keep(groups: [KeptHeadGroup(keyValueHead: 0, queryHeads: [0, 2]),
                                                  KeptHeadGroup(keyValueHead: 1, queryHeads: [3, 5])])
        try zeroed.layers[0].attention.replaceChild(named: "o_proj",
                                                    with: zeroColumns(zeroed.layers[0].attention.output,
                                                                                       Array(4..<8) + Array(16..<20)))
        try cut.layers[1].attention.keep(groups: [KeptHeadGroup(keyValueHead: 1, queryHeads: [3, 4, 5])])
        try zeroed.layers[1].attention.replaceChild(named: "o_proj",
                                                    with: zeroColumns(zeroed.layers[1].attention.output,
                                                                                       Array(0..<12)))
        let units = (0..<24).filter { ![3, 7, 20].contains($0) }
        try cut.layers[1].mlp.keep(units: units)
        try zeroed.layers[1].mlp.replaceChild(named: "down_proj", with: zeroColumns(zeroed.layers[1].mlp.down, [3, 7,
                20]))
        cut.syncConfigWithLayers()
        XCTAssertLessThan(TinyLlama.maxDifference(try logits(cut), try logits(zeroed)), 2e-5)
        XCTAssertEqual(cut.layerShapes.map(\.headCount), [4, 3])
        XCTAssertEqual(cut.layerShapes.map(\.keyValueHeadCount), [2, 1])
        XCTAssertEqual(cut.config.layerShapes?.map(\.intermediateSize), [24, 21])
        XCTAssertEqual(cut.projectionWeightCount,
                       16 * 4 * (2 * 4 + 2 * 2) + 3 * 16 * 24 + 16 * 4 * (2 * 3 + 2) + 3 * 16 * 21)
    }

    func testUnevenOrForeignHeadsAreRefused() throws {
        let m = try TinyLlama.model()
        XCTAssertThrowsError(try m.layers[0].attention.keep(groups: [KeptHeadGroup(keyValueHead: 0, queryHeads: [0, 1]),
                                                                     KeptHeadGroup(keyValueHead: 1,
                                                                                   queryHeads: [3])])) {
            XCTAssertTrue("\($0)".contains("same number"), "\($0)")
        }
        XCTAssertThrowsError(try m.layers[0].attention.keep(groups: [KeptHeadGroup(keyValueHead: 0,
                                                                                   queryHeads: [3])])) {
            XCTAssertTrue("\($0)".contains("do not all belong to key/value head 0"), "\($0)")
        }
        let scores = try LlamaStructureScores.measure(m, calibration: TinyLlama.rows(count: 3, length: 8, seed: 1),
                                                      importance: FluctuationImportance())
        XCTAssertThrowsError(try LlamaStructureAllocator(axis: .heads, removeFraction: 0.3).plan(m, scores: scores)) {
            XCTAssertTrue("\($0)".contains("heads alone can remove at most"), "\($0)")
        }
        XCTAssertThrowsError(try LlamaStructureAllocator(axis: .heads, removeFraction: 0.1, keepHeads: 4)
            .plan(m, scores: scores)) {
            XCTAssertTrue("\($0)".contains("block 0 has 2 key/value groups of 3 query heads"), "\($0)")
            XCTAssertTrue("\($0)".contains("allows keeping 3, 6"), "\($0)")
        }
        XCTAssertThrowsError(try LlamaStructureAllocator(axis: .queryHeads, removeFraction: 0.1, keepHeads: 3)
            .plan(m, scores: scores)) { XCTAssertTrue("\($0)".contains("allows keeping 2, 4, 6"), "\($0)") }
        let four = try LlamaStructureAllocator(axis: .queryHeads, removeFraction: 0.1, keepHeads: 4).plan(m,
                scores: scores)
        XCTAssertEqual(four.keptShapes.map(\.headCount), [4, 4])
        XCTAssertEqual(four.keptShapes.map(\.keyValueHeadCount), [2, 2])
        let three = try LlamaStructureAllocator(axis: .heads, removeFraction: 0.1, keepHeads: 3).plan(m, scores: scores)
        XCTAssertEqual(three.keptShapes.map(\.keyValueHeadCount), [1, 1])
    }

    /// Captures the raw inputs of o_proj and down_proj of block 0.
    final class RawTap: LinearInputObserver {
        var inputs: [String: Tensor] = [:]
        func observe(_ input: Tensor, paths: [String]) { for p in paths { inputs[p] = input } }
    }

    func testScoresEqualTheirDefinitionsOnTheRawActivations() throws {
        let m = try TinyLlama.model(), calibration = TinyLlama.rows(count: 3, length: 8, seed: 2)
        let tap = RawTap()
        _ = try m.runBlock(0, try m.embed(calibration[0].rows), observer: tap)
        let context = try XCTUnwrap(tap.inputs["self_attn.o_proj"]), hidden = try XCTUnwrap(tap.inputs["mlp.down_proj"])
        let wo = try StructuredSlice.dense(m.layers[0].attention.output,
                                           "o"), wd = try StructuredSlice.dense(m.layers[0].mlp.down, "d")
        for importance in StructureImportances.all {
            let s = try LlamaStructureScores.measure(m, calibration: calibration, importance: importance)
            for h in 0..<6 {
                let expected = Self.reference(importance.name, x: context, w: wo,
                                              channels: Array((h * 4)..<(h * 4 + 4)))
                XCTAssertEqual(s.heads[0][h], expected, accuracy: 1e-4 * max(1, abs(expected)),
                               "\(importance.name) head \(h)")
            }
            let group1 = Self.reference(importance.name, x: context, w: wo, channels: Array(12..<24))
            XCTAssertEqual(s.groups[0][1], group1, accuracy: 1e-4 * max(1, abs(group1)), "\(importance.name) group 1")
            for u in [0, 5, 23] {
                let expected = Self.reference(importance.name, x: hidden, w: wd, channels: [u])
                XCTAssertEqual(s.units[0][u], expected, accuracy: 1e-4 * max(1, abs(expected)),
                               "\(importance.name) unit \(u)")
            }
        }
    }

    /// The scores computed directly from `x` `[rows, length, n]` and `w` `[out, n]`.
    static func reference(_ name: String, x: Tensor, w: Tensor, channels: [Int]) -> Double {
        let rows = x.shape[0], length = x.shape[1], n = x.shape[2], out = w.shape[0], tokens = rows * length
        func v(_ t: Int, _ c: Int) -> Double { Double(x.scalars[t * n + c]) }
        switch name {
        case "output-norm":
            var total = 0.0
            for t in 0..<tokens { for o in 0..<out {
                let y = channels.reduce(0.0) { $0 + Double(w.scalars[o * n + $1]) * v(t, $1) }
                total += y * y } }
            return (total / Double(tokens)).squareRoot()
        case "activation":
            return (0..<rows).reduce(0.0) { sum, r in
                sum + channels.reduce(0.0) { acc, c in
                    acc + (0..<length).reduce(0.0) { $0 + v(r * length + $1, c) * v(r * length + $1, c) }
                }.squareRoot()
            } / Double(rows)
        default:
            return channels.reduce(0.0) { sum, c in
                let mean = (0..<tokens).reduce(0.0) { $0 + v($1, c) } / Double(tokens)
                let variance = (0..<tokens).reduce(0.0) { $0 + (v($1, c) - mean) * (v($1,
                                                                                      c) - mean) } / Double(tokens - 1)
                let norm = (0..<out).reduce(0.0) { $0 + Double(w.scalars[$1 * n + c] * w.scalars[$1 * n + c]) }
                return sum + variance * norm
            }
        }
    }
}
