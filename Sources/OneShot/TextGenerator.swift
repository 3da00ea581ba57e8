import Foundation
import PruneTensor
import PruneNN

/// How ``TextGenerator`` picks tokens.
public struct GenerationSettings: Sendable {
    public var maxTokens: Int
    /// 0: greedy (arg-max); above 0: sampling from softmax(logits / temperature).
    public var temperature: Double
    /// With sampling, only the k most likely tokens (0: all).
    public var topK: Int
    public var seed: UInt64 = 0
    /// Stop at the end-of-sequence token.
    public var stopAtEOS = true

    public init(maxTokens: Int, temperature: Double = 0, topK: Int = 40) {
        self.maxTokens = maxTokens; self.temperature = temperature; self.topK = topK
    }
}

/// What ``TextGenerator`` produced.
public struct GeneratedText: Sendable, Encodable {
    public var text: String
    public var tokens: [Int]
    public var promptTokens: Int
    public var generatedTokens: Int
    public var seconds: Double
}

/// Autoregressive generation with a key/value cache per block: the prompt runs once, then each
/// step runs one token through the blocks. Greedy or seeded top-k sampling (Holtzman et al. 2020
/// discuss the trade-offs); the same seed gives the same text.
public struct TextGenerator {
    public let model: LlamaModel
    public let tokenizer: ByteLevelBPETokenizer

    public init(model: LlamaModel, tokenizer: ByteLevelBPETokenizer) { self.model = model; self.tokenizer = tokenizer }

    public func generate(_ prompt: String, settings: GenerationSettings) throws -> GeneratedText {
        let ids = tokenizer.encode(prompt)
        guard !ids.isEmpty else { throw OneShotError.invalid("the prompt is empty") }
        let started = Date()
        let out = try Self.continuation(model, ids: ids, settings: settings, eos: tokenizer.eos)
        return GeneratedText(text: tokenizer.decode(out), tokens: out, promptTokens: ids.count,
                             generatedTokens: out.count,
                             seconds: Date().timeIntervalSince(started))
    }

    /// Up to `settings.maxTokens` token ids after `ids` (the prompt runs once, then one token per
    /// step with the key/value caches); stops at `eos` when the settings say so.
    public static func continuation(_ model: LlamaModel, ids: [Int], settings: GenerationSettings,
                                    eos: Int?) throws -> [Int] {
        guard !ids.isEmpty else { throw OneShotError.invalid("the prompt is empty") }
        let caches = model.layers.map { _ in KeyValueCache() }
        var rng = RandomGenerator(seed: settings.seed)
        var logits = try model.logits([ids], caches: caches)
        var out: [Int] = []
        let v = model.config.vocabularySize
        for _ in 0..<settings.maxTokens {
            let last = Array(logits.scalars[(logits.count - v)...])
            let next = pick(last, settings: settings, rng: &rng)
            if settings.stopAtEOS, next == eos { break }
            out.append(next)
            logits = try model.logits([[next]], caches: caches)
        }
        return out
    }

    static func pick(_ logits: [Float], settings: GenerationSettings, rng: inout RandomGenerator) -> Int {
        let greedy = logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) } ?? 0
        guard settings.temperature > 0 else { return greedy }
        var order = Array(logits.indices)
        if settings.topK > 0 && settings.topK < order.count {
            order.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            order = Array(order.prefix(settings.topK))
        }
        let top = Double(logits[greedy])
        let weights = order.map { exp((Double(logits[$0]) - top) / settings.temperature) }
        var u = Double(rng.nextUniform()) * weights.reduce(0, +)
        for (k, w) in zip(order, weights) { u -= w; if u <= 0 { return k } }
        return order.last ?? greedy
    }
}
