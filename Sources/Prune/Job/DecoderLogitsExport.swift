import Foundation

/// The logits of a decoder on the first evaluation windows of a ``DecoderOneShotJob``'s text (the
/// windows its perplexity scores, in order), written as NumPy arrays so another runtime's logits on
/// the same token ids can be compared number by number (`scripts/check-hf-export.py --logits`):
/// `path` holds Float32 [windows, length, vocabulary], `idsPath` the Int64 token ids [windows, length].
public struct DecoderLogitsExport {
    public var job: DecoderOneShotJob
    public var windows: Int

    public init(job: DecoderOneShotJob, windows: Int = 1) { self.job = job; self.windows = windows }

    /// The ids file beside `path`: `logits.npy` → `logits.ids.npy`.
    public static func idsPath(for path: String) -> String {
        (path.hasSuffix(".npy") ? String(path.dropLast(4)) : path) + ".ids.npy"
    }

    public func write(to path: String) throws {
        let ids = Self.idsPath(for: path)
        try AtomicFile.checkDestination(path)
        try AtomicFile.checkDestination(ids)
        guard windows >= 1 else { throw JobError("logits: ask for at least one window, got \(windows)") }
        let ckpt = try LlamaCheckpoint.load(job.model)
        let evaluation = try job.encodedParts(ckpt.tokenizer).evaluation
        let length = job.evaluationLength
        let starts = try Perplexity.windowStarts(count: evaluation.count, length: length,
                                                 stride: job.evaluationStride ?? length, maxWindows: windows)
        let rows = starts.map { Array(evaluation[$0..<($0 + length)]) }
        var logits: [Float] = []
        for row in rows { logits += try ckpt.model.logits([row]).scalars }
        let vocabulary = ckpt.model.config.vocabularySize
        try NPYFile.write(int64: rows.flatMap { $0 }, shape: [rows.count, length], to: ids)
        try NPYFile.write(float32: logits, shape: [rows.count, length, vocabulary], to: path)
    }
}
