import Foundation

/// The merged results of a sweep: every cell's result in grid order (from however many shards wrote
/// them), a table per cell, and a summary over seeds (mean ± standard deviation, as ShrinkBench reports).
public struct SweepResults: Codable, Sendable {
    public let axes: [String]
    public let cells: [SweepCellResult]
    /// Keys of cells without a result (merging with `allowMissing`).
    public let missing: [String]

    public init(axes: [String], cells: [SweepCellResult], missing: [String]) {
        self.axes = axes; self.cells = cells; self.missing = missing
    }

    /// Reads every cell's result; a missing or stale one (its recipe differs from the grid's) is an
    /// error naming how many and the first few, unless `allowMissing`.
    public static func merge(_ grid: SweepGrid, allowMissing: Bool = false) throws -> SweepResults {
        var found: [SweepCellResult] = [], missing: [String] = []
        for cell in try grid.cells() {
            if let result = try grid.finishedResult(cell) { found.append(result) } else { missing.append(cell.key) }
        }
        if !missing.isEmpty && !allowMissing {
            throw JobError("\(missing.count) of \(found.count + missing.count) cells have no result yet (first: "
                           + missing.prefix(3).joined(separator: "; ") + "); run their shards, or merge with "
                           + "--allow-missing")
        }
        return SweepResults(axes: grid.axes.map(\.name), cells: found, missing: missing)
    }

    public static func read(_ path: String) throws -> SweepResults {
        guard let data = FileManager.default.contents(atPath: path) else { throw JobError("cannot read \(path)") }
        return try JSONDecoder().decode(SweepResults.self, from: data)
    }

    public func encoded() throws -> Data { try StableJSON.encode(self, pretty: true) }

    /// Axes that repeat a run with another seed (`seed`, `train.seed`, …): the summary averages over them.
    public var seedAxes: [String] { axes.filter { $0 == "seed" || $0.hasSuffix(".seed") } }

    /// One row per cell, in grid order (percentages; wall time last).
    public func table() -> String {
        let head = axes + ["dense %", "pruned %", "final %", "sparsity %", "params left %", "MACs left %",
                           "energy left % (est.)", "s"]
        var rows = [MarkdownTable.header(head)]
        for c in cells {
            let m = c.metrics
            rows.append(MarkdownTable.row(axes.map { c.label($0) ?? "" } + [
                percent(m.accuracyDense), percent(m.accuracyAfterPruning), percent(m.accuracy),
                percent(m.sparsity), percent(m.parametersLeft), percent(m.macsLeft), percent(m.energyLeft),
                String(format: "%.1f", c.seconds)]))
        }
        return rows.joined(separator: "\n")
    }

    func percent(_ v: Double?) -> String { v.map { String(format: "%.2f", $0 * 100) } ?? "–" }
}

/// Markdown table rows.
enum MarkdownTable {
    static func header(_ names: [String]) -> String {
        row(names) + "\n" + row(names.map { _ in "---" })
    }

    static func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
}
