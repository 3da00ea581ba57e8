import Foundation

/// The HTML page for a result file, whichever command wrote it: a sweep's `results.json`,
/// `prune sensitivity --json`, or a pruning report (`prune run --json`, `prune prune --json`).
public enum ResultPage {
    struct SensitivityOutput: Decodable {
        let report: SensitivityJob.Report
        let maxDrop: Double
    }

    public static func page(for data: Data, name: String) throws -> HTMLReport {
        let decoder = JSONDecoder()
        if let sweep = try? decoder.decode(SweepResults.self, from: data) {
            return sweep.htmlReport(title: "Pruning sweep (\(name))")
        }
        if let s = try? decoder.decode(SensitivityOutput.self, from: data) {
            return s.report.htmlReport(maxDrop: s.maxDrop)
        }
        if let s = try? decoder.decode(SensitivityJob.Report.self, from: data) { return s.htmlReport() }
        if let r = try? decoder.decode(PruningReport.self, from: data) {
            return r.htmlReport(title: "Pruning report (\(name))")
        }
        throw JobError("not a result Prune knows: expected a sweep's results.json, prune sensitivity --json, or a "
                       + "pruning report (prune run --json)")
    }
}
