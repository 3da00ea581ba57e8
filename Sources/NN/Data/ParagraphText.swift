import Foundation

/// Plain English text cut into a calibration part and a disjoint evaluation part, for
/// language-model perplexity and one-shot calibration. The rule (also in
/// `scripts/smollm2_tokenizer.py`, so Python peers read the same text): paragraphs are separated
/// by blank lines; a paragraph's lines are stripped and joined by one space; paragraphs shorter
/// than 80 characters (headings, index entries) or holding box-drawing characters (tables) are
/// dropped; the first half of the rest is the calibration part, the second half the evaluation
/// part, each joined by blank lines.
public struct ParagraphText: Sendable {
    public let paragraphs: [String]

    public enum Part: String, Sendable, CaseIterable { case calibration, evaluation }

    static let boxDrawing = Set("─│┌┐└┘├┤┬┴┼━┃".unicodeScalars)

    public init(text: String) {
        var out: [String] = [], current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let stripped = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if stripped.isEmpty {
                if !current.isEmpty { out.append(current.joined(separator: " ")); current = [] }
            } else {
                current.append(Substring(stripped))
            }
        }
        if !current.isEmpty { out.append(current.joined(separator: " ")) }
        paragraphs = out.filter { $0.unicodeScalars.count >= 80 && !$0.unicodeScalars.contains(where: Self.boxDrawing.contains) }
    }

    /// One part's text.
    public func text(_ part: Part) -> String {
        let half = paragraphs.count / 2
        return (part == .calibration ? paragraphs[..<half] : paragraphs[half...]).joined(separator: "\n\n")
    }
}

/// The default English text of the decoder tools: the Jargon File 4.4.7 (Eric S. Raymond et al.,
/// public domain), from Debian's `jargon-text` package, which `scripts/fetch-jargon.sh` unpacks
/// into the Prune cache.
public enum JargonFile {
    public static var path: String {
        if let p = ProcessInfo.processInfo.environment["PRUNE_JARGON"] { return p }
        let cache = ProcessInfo.processInfo.environment["PRUNE_CACHE"] ?? (NSHomeDirectory() + "/.cache/prune")
        return cache + "/text/jargon.txt.gz"
    }

    /// The text of `path` (gzip or plain), cut into parts.
    public static func load(_ file: String = path) throws -> ParagraphText {
        guard FileManager.default.fileExists(atPath: file) else {
            throw DataError(file: file, "missing; run `bash scripts/fetch-jargon.sh` to unpack the Jargon File "
                            + "(Debian jargon-text), or pass a text file")
        }
        let bytes = file.hasSuffix(".gz") ? try GzipFile.read(file, limit: 256 << 20,
                                                             beyondLimit: .error("a text longer than 256 MB"))
            : [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        return ParagraphText(text: String(decoding: bytes, as: UTF8.self))
    }
}
