/// A file of Connect-Four positions with their exact scores, one `moves score` line each (Pons's
/// format: `moves` the 1-based columns played from the empty board, `score` for the side to move).
public struct PositionFile: Sendable {
    /// One line: the position and its expected score.
    public struct Entry: Sendable {
        public let moves: String
        public let position: ConnectFour
        public let score: Int
    }

    public let entries: [Entry]

    /// Parses `text`; `source` names the file in errors, which give the line number.
    public init(text: String, source: String) throws {
        var entries: [Entry] = []
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let parts = line.split(separator: " ")
            if parts.isEmpty { continue }
            guard parts.count == 2, let score = Int(parts[1]) else {
                throw PositionFileError("\(source) line \(i + 1) is not `moves score`")
            }
            do {
                entries.append(Entry(moves: String(parts[0]), position: try ConnectFour(position: String(parts[0])),
                                     score: score))
            } catch {
                throw PositionFileError("\(source) line \(i + 1): \(error)")
            }
        }
        guard !entries.isEmpty else { throw PositionFileError("\(source) holds no positions") }
        self.entries = entries
    }
}

/// A position file that cannot be read, with the file and line.
public struct PositionFileError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
