import Foundation

/// Greedy decoding speed of a decoder: a prompt of `promptTokens` tokens (taken from the evaluation
/// text), then `newTokens` tokens one at a time with the key/value cache, batch 1; tokens/s of the
/// generated tokens (prompt prefill included in the clock), the median of `repeats` runs after one
/// warm-up run (as `scripts/generate_peer.py` measures transformers).
public struct GenerationSpeed: Sendable {
    public var promptTokens = 64
    public var newTokens = 128
    public var repeats = 3

    public init(promptTokens: Int = 64, newTokens: Int = 128, repeats: Int = 3) {
        self.promptTokens = promptTokens; self.newTokens = newTokens; self.repeats = repeats
    }

    public func measure(_ model: LlamaModel, tokens: [Int]) throws -> Double {
        guard tokens.count >= promptTokens, promptTokens > 0, newTokens > 0, repeats > 0 else {
            throw OneShotError.invalid("generation speed needs a prompt of \(promptTokens) tokens and ≥ 1 new token")
        }
        let prompt = Array(tokens.prefix(promptTokens))
        var rates: [Double] = []
        var settings = GenerationSettings(maxTokens: newTokens)
        settings.stopAtEOS = false
        _ = try TextGenerator.continuation(model, ids: prompt, settings: settings, eos: nil)
        for _ in 0..<repeats {
            let t0 = monotonicSeconds()
            _ = try TextGenerator.continuation(model, ids: prompt, settings: settings, eos: nil)
            rates.append(Double(newTokens) / max(monotonicSeconds() - t0, 1e-9))
        }
        return rates.sorted()[rates.count / 2]
    }
}
