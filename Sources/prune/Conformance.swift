import ArgumentParser
import Foundation
import Prune

/// `prune conformance`: runs ONNX backend test suites (the node tests of Debian's
/// `libonnx-testdata`, the model tests in the `onnx` wheel) through Prune's importer and engine.
struct Conformance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run ONNX backend test suites through Prune's ONNX importer and engine and count what passes.",
        discussion: """
            Each folder holds test cases as the ONNX project lays them out (model.onnx with test_data_set_N/\
            input_K.pb and output_K.pb, or light_X.onnx with light_X_output_0.pb). Every output is compared \
            elementwise: |actual - expected| <= atol + rtol * |expected|.
            Example: prune conformance /usr/share/libonnx-testdata/data/node --report node.md
            """)

    @Argument(help: "Suite folders (e.g. .../onnx/backend/test/data/light, /usr/share/libonnx-testdata/data/node).")
    var folders: [String]
    @Option(help: "Write every failed and unsupported case with its reason to this Markdown file.")
    var report: String?
    @Option(help: "Relative tolerance.") var rtol: Double = 1e-3
    @Option(help: "Absolute tolerance.") var atol: Double = 1e-4
    @OptionGroup var common: CommonOptions

    struct Summary: Codable {
        var suite: String
        var cases: Int, passed: Int, failed: Int, notSupported: Int
        var failures: [String: String]
    }

    func validate() throws {
        guard rtol >= 0, atol >= 0 else { throw ValidationError("--rtol and --atol must not be negative") }
    }

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        let runner = ONNXConformanceRunner(relativeTolerance: rtol, absoluteTolerance: atol)
        var reports: [ONNXConformanceReport] = []
        for folder in folders {
            let suite = (folder as NSString).lastPathComponent
            do {
                reports.append(try ONNXConformanceReport.run(suite: suite, directory: folder,
                                                             runner: runner) { i, n, name in
                    console.progress("\(suite) \(i)/\(n) \(name)")
                })
            } catch { throw CLIError("conformance: \(error)") }
            console.endProgress()
            console.result(reports.last!.summaryLine)
        }
        if let report {
            let text = reports.map(\.markdown).joined(separator: "\n") + "\n"
            do { try AtomicFile.write(Data(text.utf8), to: report) } catch { throw CLIError("conformance: \(error)") }
        }
        if common.json {
            try console.emitJSON(reports.map {
                Summary(suite: $0.suite, cases: $0.results.count, passed: $0.passed.count, failed: $0.failed.count,
                        notSupported: $0.notSupported.count,
                        failures: Dictionary($0.failed.map { ($0.name, $0.reason) }, uniquingKeysWith: { a, _ in a }))
            })
        }
    }
}
