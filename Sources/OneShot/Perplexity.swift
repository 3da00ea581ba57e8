import Foundation
import PruneTensor
import PruneNN

/// Perplexity of a causal language model over windows of a token stream: exp of the mean negative
/// log-likelihood of each scored token given the tokens before it in its window. Windows start
/// every `stride` tokens and hold `length` tokens; in a window after the first only its last
/// `stride` tokens are scored (so with overlap every token is scored once, with the most
/// context), as in Hugging Face's perplexity guide. With stride = length the windows are disjoint
/// and each scores its tokens 2…length.
public struct Perplexity: Sendable, Codable, Equatable {
    public var perplexity: Double
    public var meanNegativeLogLikelihood: Double
    /// Tokens scored and windows run.
    public var tokens: Int
    public var windows: Int
    public var windowLength: Int
    public var stride: Int

    /// Window start offsets over `count` tokens (at most `maxWindows` when given).
    public static func windowStarts(count: Int, length: Int, stride: Int, maxWindows: Int?) throws -> [Int] {
        guard length >= 2, stride >= 1, stride <= length else {
            throw OneShotError.invalid("window length \(length) must be ≥ 2 and the stride \(stride) "
                                        + "in 1…\(length)")
        }
        guard count >= length else {
            throw OneShotError.invalid("the text has \(count) tokens, shorter than one window of \(length)")
        }
        var starts = Array(Swift.stride(from: 0, through: count - length, by: stride))
        if let maxWindows { starts = Array(starts.prefix(max(maxWindows, 1))) }
        return starts
    }

    /// Evaluates `model` over `tokens`; `progress` receives (windows done, windows). Windows run
    /// through the blocks ``CausalBlockLanguageModel/windowsPerPass`` at a time, each on its own, so
    /// the result does not depend on the grouping.
    public static func evaluate<M: CausalBlockLanguageModel>(_ model: M, tokens: [Int], length: Int,
                                                             stride: Int? = nil, maxWindows: Int? = nil,
                                                             progress: ((Int, Int) -> Void)? = nil) throws
        -> Perplexity {
        let step = stride ?? length
        let starts = try windowStarts(count: tokens.count, length: length, stride: step, maxWindows: maxWindows)
        var total = 0.0, scored = 0, done = 0
        let perPass = max(model.windowsPerPass, 1)
        for group in Swift.stride(from: 0, to: starts.count, by: perPass) {
            let indices = group..<min(group + perPass, starts.count)
            let windows = indices.map { TokenRows([Array(tokens[starts[$0]..<(starts[$0] + length)])]) }
            var hidden = try windows.map { try model.embed($0) }
            for b in 0..<model.blockCount {
                for (i, w) in windows.enumerated() {
                    hidden[i] = try model.runBlock(b, hidden[i], batch: w, observer: nil)
                }
            }
            for (i, w) in zip(indices, windows) {
                let logits = try model.logits(hidden: hidden[i - group])
                let first = max(i == 0 ? 1 : length - step, 1)
                total += negativeLogLikelihood(logits.scalars, vocabulary: model.vocabularySize, tokens: w.rows[0],
                                               from: first)
                scored += length - first
                done += 1
                progress?(done, starts.count)
            }
        }
        let mean = total / Double(max(scored, 1))
        return Perplexity(perplexity: exp(mean), meanNegativeLogLikelihood: mean, tokens: scored, windows: starts.count,
                          windowLength: length, stride: step)
    }

    /// Σ over positions p ≥ `from` of −log softmax(logits[p − 1])[tokens[p]], in Double.
    static func negativeLogLikelihood(_ logits: [Float], vocabulary v: Int, tokens: [Int], from: Int) -> Double {
        var total = 0.0
        logits.withUnsafeBufferPointer { l in
            for p in from..<tokens.count {
                let row = l.baseAddress! + (p - 1) * v
                var m = -Float.infinity
                for j in 0..<v { m = max(m, row[j]) }
                var sum = 0.0
                for j in 0..<v { sum += exp(Double(row[j] - m)) }
                total += Double(m) + log(sum) - Double(row[tokens[p]])
            }
        }
        return total
    }
}

/// Calibration windows for decoder one-shot pruning: `count` windows of `length` tokens at
/// seeded random offsets of a token stream (as Wanda and SparseGPT draw random C4 segments).
public enum CalibrationWindows {
    public static func draw(from tokens: [Int], count: Int, length: Int, seed: UInt64) throws -> [TokenRows] {
        guard count >= 1, length >= 1 else {
            throw OneShotError.invalid("calibration needs ≥ 1 window of ≥ 1 token")
        }
        guard tokens.count >= length else {
            throw OneShotError.noCalibrationData("the calibration text has \(tokens.count) tokens, "
                                                 + "shorter than one window of \(length)")
        }
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in
            let start = rng.nextInt(below: tokens.count - length + 1)
            return TokenRows([Array(tokens[start..<(start + length)])])
        }
    }
}
