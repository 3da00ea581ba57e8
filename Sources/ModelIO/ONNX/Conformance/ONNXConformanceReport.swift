import Foundation

/// The outcome of every case of one suite, its one-line summary and a Markdown list of what did
/// not pass, with the reason.
public struct ONNXConformanceReport: Sendable {
    public var suite: String
    public var results: [(name: String, outcome: ONNXConformanceOutcome)]

    public init(suite: String, results: [(name: String, outcome: ONNXConformanceOutcome)]) {
        self.suite = suite; self.results = results
    }

    /// Runs every case of a suite folder, calling `progress` after each.
    public static func run(suite: String, directory: String, runner: ONNXConformanceRunner = .init(),
                           progress: (Int, Int, String) -> Void = { _, _, _ in }) throws -> ONNXConformanceReport {
        let cases = try ONNXConformanceCase.discover(in: directory)
        var results: [(name: String, outcome: ONNXConformanceOutcome)] = []
        for (i, c) in cases.enumerated() {
            results.append((c.name, runner.run(c)))
            progress(i + 1, cases.count, c.name)
        }
        return ONNXConformanceReport(suite: suite, results: results)
    }

    public var passed: [String] { results.filter { $0.outcome == .passed }.map(\.name) }
    public var failed: [(name: String, reason: String)] {
        results.compactMap { if case .failed(let r) = $0.outcome { return ($0.name, r) }; return nil }
    }
    public var notSupported: [(name: String, reason: String)] {
        results.compactMap { if case .notSupported(let r) = $0.outcome { return ($0.name, r) }; return nil }
    }

    /// "node: 932 cases, 700 passed, 0 failed, 232 not supported".
    public var summaryLine: String {
        "\(suite): \(results.count) cases, \(passed.count) passed, \(failed.count) failed, "
            + "\(notSupported.count) not supported"
    }

    /// The summary, then every failed and unsupported case with its reason (reasons shortened to one line).
    public var markdown: String {
        var lines = ["## \(suite)", "", summaryLine, ""]
        for (title, rows) in [("Failed", failed), ("Not supported", notSupported)] where !rows.isEmpty {
            lines += ["### \(title) (\(rows.count))", "", "| case | reason |", "|---|---|"]
            lines += rows.map { "| \($0.name) | \(Self.oneLine($0.reason)) |" }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    static func oneLine(_ s: String) -> String {
        let flat = s.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
        let cut = flat.range(of: "; supported: ").map { String(flat[..<$0.lowerBound]) } ?? flat
        return cut.count > 300 ? String(cut.prefix(300)) + "…" : cut
    }
}
