import Foundation
import Prune

/// A small random Llama decoder for exact structural checks: 2 blocks, hidden 16, 6 query heads in
/// 2 groups of 3, head size 4, MLP 24, vocabulary 40.
enum TinyLlama {
    static func model(seed: UInt64 = 3, blocks: Int = 2) throws -> LlamaModel {
        let config = LlamaConfig(vocabularySize: 40, hiddenSize: 16, intermediateSize: 24, layerCount: blocks,
                                 headCount: 6, keyValueHeadCount: 2, headSize: 4, ropeTheta: 10_000,
                                 rmsNormEpsilon: 1e-5, contextLength: 64, tiedEmbeddings: true)
        var rng = RandomGenerator(seed: seed)
        func matrix(_ r: Int, _ c: Int) throws -> Tensor {
            try Tensor(shape: [r, c], scalars: (0..<(r * c)).map { _ in rng.nextNormal() * 0.4 })
        }
        func linear(_ r: Int, _ c: Int) throws -> Linear { Linear(weight: try matrix(r, c), bias: nil) }
        func norm() -> RMSNorm { RMSNorm(weight: Tensor((0..<16).map { _ in 1 + 0.1 * rng.nextNormal() }),
                                         epsilon: 1e-5) }
        let layers = try (0..<blocks).map { _ in
            LlamaBlock(inputNorm: norm(), attention: LlamaAttention(query: try linear(24, 16), key: try linear(8, 16),
                                                                    value: try linear(8, 16), output: try linear(16,
                                                                            24),
                                                                    headSize: 4),
                       postAttentionNorm: norm(), mlp: LlamaMLP(gate: try linear(24, 16), up: try linear(24, 16),
                                                                down: try linear(16, 24)))
        }
        return LlamaModel(config: config, embedding: Embedding(weight: try matrix(40, 16)), layers: layers,
                          norm: norm(), head: nil)
    }

    /// Scales block `b`'s o_proj and down_proj by 1e-3: the block then barely changes the residual stream.
    static func quiet(block b: Int, of m: LlamaModel) throws {
        for layer in [m.layers[b].attention.output, m.layers[b].mlp.down] {
            guard let l = layer as? Linear else { throw OneShotError.invalid("block \(b): projections not Linear") }
            l.weight.value = l.weight.value * 1e-3
        }
    }

    /// `count` rows of `length` seeded token ids.
    static func rows(count: Int, length: Int, seed: UInt64) -> [TokenRows] {
        var rng = RandomGenerator(seed: seed)
        return [TokenRows((0..<count).map { _ in (0..<length).map { _ in rng.nextInt(below: 40) } })]
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }

    /// Mean per-position KL(softmax(teacher) ‖ softmax(student)) over `rows`, in Double from the logits.
    static func meanKL(_ teacher: LlamaModel, _ student: LlamaModel, _ rows: [[[Int]]]) throws -> Double {
        var total = 0.0, n = 0
        for r in rows {
            let t = try teacher.logits(r).scalars.map(Double.init), s = try student.logits(r).scalars.map(Double.init)
            let v = teacher.config.vocabularySize
            for i in 0..<(t.count / v) {
                let lt = logSoftmax(t[(i * v)..<((i + 1) * v)]), ls = logSoftmax(s[(i * v)..<((i + 1) * v)])
                total += (0..<v).reduce(0.0) { $0 + exp(lt[$1]) * (lt[$1] - ls[$1]) }
                n += 1
            }
        }
        return total / Double(max(n, 1))
    }

    static func logSoftmax(_ x: ArraySlice<Double>) -> [Double] {
        let m = x.max() ?? 0, z = log(x.reduce(0) { $0 + exp($1 - m) }) + m
        return x.map { $0 - z }
    }
}
