import ArgumentParser
import Foundation
import Prune
import PruneFuzzTargets

/// `prune fuzz`: the in-process seeded fuzzer over one parser (or all), and the seeds for libFuzzer.
struct Fuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fuzz Prune's parsers with seeded, structure-aware mutants (no crash, hang or unbounded allocation).",
        discussion: "Targets: \(FuzzTargets.names.joined(separator: ", ")). scripts/fuzz.sh runs the same targets "
            + "under libFuzzer with the address sanitizer.")

    @Argument(help: "A target name, or all.")
    var target: String = "all"

    @Option(help: "Mutants per target.")
    var runs: Int = 100_000

    @Option(help: "The repository folder the seed files are read from.")
    var repository: String = FileManager.default.currentDirectoryPath

    @Option(name: .customLong("write-seeds"),
            help: "Write the target's seeds into this folder and stop (a libFuzzer corpus).")
    var writeSeeds: String?

    @Option(help: "Run the target once on this file (to reproduce a crash libFuzzer found) and stop.")
    var input: String?

    @OptionGroup var common: CommonOptions

    func validate() throws { try OptionBounds.atLeast(runs, 0, "--runs") }

    func run() throws {
        let targets = target == "all" ? FuzzTargets.all : try [FuzzTargets.named(target).orThrow(
            CLIError("fuzz: unknown target \(target); known: \(FuzzTargets.names.joined(separator: ", ")), all"))]
        let console = Console(quiet: common.quiet, json: common.json)
        if let input {
            let bytes = try [UInt8](FileManager.default.contents(atPath: input).orThrow(CLIError("fuzz: cannot read \(input)")))
            for t in targets { console.result("\(t.name): \(t.execute(bytes) ? "accepted" : "rejected with an error")") }
            return
        }
        if let writeSeeds {
            for t in targets {
                let seeds = try t.seeds(repository: repository)
                for (i, s) in seeds.enumerated() { try AtomicFile.write(Data(s), to: writeSeeds + "/\(t.name)-\(i)") }
                console.info("\(t.name): \(seeds.count) seeds in \(writeSeeds)")
            }
            return
        }
        var summaries: [FuzzRunner.Summary] = []
        for t in targets {
            let s = try FuzzRunner(target: t, seed: common.seed ?? 20261130).run(executions: runs,
                                                                                 repository: repository) {
                console.progress("\(t.name): \($0.executions) mutants")
            }
            console.endProgress()
            summaries.append(s)
            if !common.json {
                console.result(String(format: "%@: %d mutants of %d seeds in %.1f s (%d accepted, %d rejected with an "
                                      + "error), no crash; peak memory %.0f MiB", s.target, s.executions, s.seeds,
                                      s.seconds, s.accepted, s.rejected, s.peakMemoryMiB))
            }
        }
        if common.json { try console.emitJSON(summaries) }
    }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}
