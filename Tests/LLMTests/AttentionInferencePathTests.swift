import XCTest
import Prune

/// The attention's inference path (no autodiff, no cache: fused causal attention, rotary positions in place)
/// against the general autodiff path on the same block and input.
final class AttentionInferencePathTests: XCTestCase {
    func testInferencePathMatchesTheAutodiffPath() throws {
        let model = try TinyLlama.model(seed: 5)
        let attention = model.layers[0].attention
        let rope = RotaryEmbedding(headSize: attention.headSize, base: 10_000)
        for length in [1, 7, 100] {  // one query, one block of queries, two blocks (64 + 36)
            var rng = RandomGenerator(seed: UInt64(length))
            let x = try Tensor(shape: [2, length, 16], scalars: (0..<(32 * length)).map { _ in rng.nextNormal() })
            let general = try attention.forward(Variable(x, requiresGrad: true), rope: rope, cache: nil, observer: nil)
            let inference = try withNoGrad { try attention.forward(Variable(x), rope: rope, cache: nil, observer: nil) }
            XCTAssertEqual(inference.shape, general.shape)
            XCTAssertLessThan(TinyLlama.maxDifference(inference.value.scalars, general.value.scalars), 1e-5,
                              "length \(length)")
        }
    }

    func testEncoderInferencePathMatchesTheAutodiffPathWithPadding() throws {
        var rng = RandomGenerator(seed: 8)
        let config = BertConfig(vocabularySize: 50, hiddenSize: 24, intermediateSize: 32, maxPositions: 128,
                                headSize: 6, headsPerLayer: [4])
        let attention = BertModel(config: config, rng: &rng).layers[0].attention.selfAttention
        for length in [1, 9, 70] {
            let x = try Tensor(shape: [3, length, 24], scalars: (0..<(72 * length)).map { _ in rng.nextNormal() })
            // Sequence b holds length − 4·b real tokens (at least 1), then padding.
            let bias = Tensor(unchecked: [3, 1, 1, length], (0..<(3 * length)).map { i in
                i % length < max(length - 4 * (i / length), 1) ? 0 : -1e9 })
            for b in [bias, nil] {
                let general = try attention.forward(Variable(x, requiresGrad: true), attentionBias: b)
                let inference = try withNoGrad { try attention.forward(Variable(x), attentionBias: b) }
                XCTAssertEqual(inference.shape, general.shape)
                XCTAssertLessThan(TinyLlama.maxDifference(inference.value.scalars, general.value.scalars), 1e-5,
                                  "length \(length), bias \(b != nil)")
            }
        }
    }

    func testRotateInPlaceEqualsApplyBitForBit() throws {
        let rope = RotaryEmbedding(headSize: 8, base: 10_000)
        var rng = RandomGenerator(seed: 2)
        let (b, l, h) = (2, 5, 3)
        let x = try Tensor(shape: [b, l, h * 8], scalars: (0..<(b * l * h * 8)).map { _ in rng.nextNormal() })
        let (cos, sin) = rope.tables(length: l, offset: 0)
        var rotated = x
        rope.rotate(&rotated, heads: h, cos: cos, sin: sin)
        let heads = try x.reshaped([b, l, h, 8]).permuted([0, 2, 1, 3])
        let reference = try rope.apply(Variable(heads), cos: cos, sin: sin).value.permuted([0, 2, 1, 3])
        XCTAssertEqual(rotated.scalars, reference.scalars)
    }
}
