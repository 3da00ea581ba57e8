import ArgumentParser
import Foundation
import Prune

/// `prune report RESULT.json --html OUT.html`: a self-contained HTML page with plots of a result.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report",
        abstract: "Turn a result (JSON) into a self-contained HTML page with SVG plots and tables.",
        discussion: "Reads what these commands write: prune sweep merge (results.json), prune sensitivity "
            + "--json, prune run/prune prune --json (a pruning report). The page needs no network.")

    @Argument(help: "The result file (JSON).") var result: String
    @Option(help: "The HTML page to write.") var html: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: result) else { throw CLIError("cannot read \(result)") }
        do {
            try AtomicFile.checkDestination(html)
            try ResultPage.page(for: data, name: result).write(to: html)
        } catch let e as JobError {
            throw CLIError("\(result): \(e)")
        }
        print("wrote \(html)")
    }
}
