import Foundation
import Prune

/// Terminal output: a live progress line on a TTY (quiet otherwise or with --quiet), results as
/// text or JSON on stdout, one clear line on stderr for errors.
struct Console {
    let quiet: Bool
    let json: Bool
    let isTTY = isatty(2) != 0

    /// Rewrites the progress line in place (only on a terminal, never in JSON or quiet mode).
    func progress(_ line: String) {
        guard !quiet, isTTY else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    /// Ends the progress line.
    func endProgress() {
        guard !quiet, isTTY else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// A line of running commentary: stdout in text mode, stderr in JSON mode (stdout then holds
    /// only JSON); suppressed by --quiet.
    func info(_ line: String) {
        guard !quiet else { return }
        if json { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
    }

    /// The final human-readable result; always printed in text mode.
    func result(_ line: String) {
        if json { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
    }

    /// Prints an encodable value as pretty JSON on stdout.
    func emitJSON<T: Encodable>(_ value: T) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                  negativeInfinity: "-Infinity", nan: "NaN")
        print(String(decoding: try enc.encode(value), as: UTF8.self))
    }
}

/// A user-facing failure with one clear message.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

extension Float {
    var percent: String { String(format: "%.2f%%", self * 100) }
}

extension Console: JobLog {
    /// A warning: always on stderr, even with --quiet or --json.
    func warning(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
