import Foundation
import PruneTensor
import PruneNN

/// A text file of sentences (one per line) split into disjoint calibration and evaluation sets by a
/// seeded shuffle, so the sentences that score a model were never used to prune it.
public struct SentenceCorpus: Sendable {
    public var calibration: [String]
    public var evaluation: [String]

    public init(file path: String, calibrationCount: Int, evaluationCount: Int, seed: UInt64) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw OneShotError.noCalibrationData("cannot read the sentence file \(path) (missing or not UTF-8)")
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        try self.init(sentences: lines, calibrationCount: calibrationCount, evaluationCount: evaluationCount,
                      seed: seed, source: path)
    }

    public init(sentences: [String], calibrationCount: Int, evaluationCount: Int, seed: UInt64,
                source: String = "<sentences>") throws {
        guard calibrationCount >= 1, evaluationCount >= 0 else { throw OneShotError.invalid("calibration count must be ≥ 1 and evaluation count ≥ 0") }
        guard sentences.count >= calibrationCount + evaluationCount else {
            throw OneShotError.noCalibrationData("\(source) has \(sentences.count) sentences; \(calibrationCount) calibration + \(evaluationCount) evaluation requested")
        }
        var order = Array(sentences.indices)
        var rng = RandomGenerator(seed: seed)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
        calibration = order.prefix(calibrationCount).map { sentences[$0] }
        evaluation = order.dropFirst(calibrationCount).prefix(evaluationCount).map { sentences[$0] }
    }

    /// The calibration sentences as padded batches.
    /// Sentences are grouped by token length before batching, so little compute goes to padding
    /// (the statistics ignore padding, so the grouping changes nothing else).
    public func calibrationBatches(_ tokenizer: WordPieceTokenizer, batchSize: Int) -> [TokenBatch] {
        SentenceCorpus.lengthOrderedBatches(calibration, tokenizer, batchSize: batchSize).map(\.batch)
    }

    /// `texts` encoded once, grouped by token count (stable) into padded batches of `batchSize`,
    /// each with the indices of its sentences in `texts`.
    static func lengthOrderedBatches(_ texts: [String], _ tokenizer: WordPieceTokenizer,
                                     batchSize: Int) -> [(indices: [Int], batch: TokenBatch)] {
        let encoded = texts.map(tokenizer.encode)
        let order = texts.indices.sorted { (encoded[$0].count, $0) < (encoded[$1].count, $1) }
        let step = Swift.max(batchSize, 1)
        return stride(from: 0, to: order.count, by: step).map { start in
            let indices = Array(order[start..<Swift.min(start + step, order.count)])
            return (indices, tokenizer.pad(indices.map { encoded[$0] }))
        }
    }
}
