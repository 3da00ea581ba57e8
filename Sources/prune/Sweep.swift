import ArgumentParser
import Foundation
import Prune

/// `prune sweep`: a grid of pruning runs, in shards, merged into one table and report.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sweep",
        abstract: "Run a grid of pruning recipes (methods × sparsities × seeds × models) in shards; merge them.",
        discussion: "A grid file names a base recipe and axes of values; every combination is a cell, an "
            + "independent job whose result is written to <out>/cells/<key>.json as soon as it finishes. "
            + "prune sweep GRID.yaml --shard i/N runs one slice (cells i, i+N, …; on Kubernetes pass "
            + "$JOB_COMPLETION_INDEX, on Slurm $SLURM_ARRAY_TASK_ID); run the same command again to resume "
            + "(finished cells are skipped, a killed cell continues from its checkpoint). prune sweep merge "
            + "GRID.yaml writes results.json, results.md and report.html. See recipes/sweep-lenet300.yaml and "
            + "deploy/.",
        subcommands: [SweepRun.self, SweepMerge.self], defaultSubcommand: SweepRun.self)
}

/// Loads a grid, turning its errors into one line naming the file.
func loadGrid(_ path: String) throws -> SweepGrid {
    do { return try SweepGrid.load(path: path) } catch { throw CLIError("\(path): \(error)") }
}

struct SweepRun: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run",
        abstract: "Run the cells of one shard of a grid (the default subcommand).")

    @Argument(help: "The grid file (YAML).") var grid: String
    @Option(help: "The slice to run, i/N (0-based): cells whose position modulo N is i.") var shard = "0/1"
    @Flag(help: "List the shard's cells and whether each is finished; run nothing.") var dryRun = false
    @OptionGroup var common: CommonOptions

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        let grid = try loadGrid(self.grid)
        do {
            let shard = try SweepShard(parsing: self.shard)
            let runner = try SweepRunner(grid: grid, shard: shard, log: console)
            if dryRun {
                for cell in runner.shardCells { print("\(runner.isFinished(cell) ? "done" : "todo")  \(cell.key)") }
                return
            }
            let summary = try runner.run()
            console.info("shard \(shard): ran \(summary.ran) cells, skipped \(summary.skipped) finished ones; "
                         + "results in \(grid.out)/cells")
        } catch let e as RecipeError {
            throw CLIError("\(self.grid): \(e)")
        } catch let e as JobError {
            throw CLIError("prune: \(e)")
        } catch let e as TrainingStopped {
            throw console.stoppedOnRequest("prune sweep: \(e)", checkpoint: "\(grid.out)/cells",
                                           continues: "running the same shard again continues the cell")
        }
    }
}

struct SweepMerge: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge",
        abstract: "Merge the cells' results into results.json, results.md and report.html in the sweep's folder.")

    @Argument(help: "The grid file (YAML).") var grid: String
    @Flag(help: "Merge even when some cells have no result yet (they are listed).") var allowMissing = false
    @Option(help: "Write the HTML report here instead of <out>/report.html.") var report: String?
    @OptionGroup var common: CommonOptions

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        let grid = try loadGrid(self.grid)
        do {
            let results = try SweepResults.merge(grid, allowMissing: allowMissing)
            try FileManager.default.createDirectory(atPath: grid.out, withIntermediateDirectories: true)
            let html = report ?? "\(grid.out)/report.html"
            try AtomicFile.checkDestination(html)
            try AtomicFile.write(try results.encoded(), to: "\(grid.out)/results.json")
            let markdown = results.summaryTable() + "\n\n" + results.table() + "\n"
            try AtomicFile.write(Data(markdown.utf8), to: "\(grid.out)/results.md")
            try results.htmlReport().write(to: html)
            if common.json { try console.emitJSON(results); return }
            print(results.summaryTable())
            if !results.missing.isEmpty { console.warning("\(results.missing.count) cells have no result yet") }
            console.info("wrote \(grid.out)/results.json, \(grid.out)/results.md and \(html)")
        } catch let e as RecipeError {
            throw CLIError("\(self.grid): \(e)")
        } catch let e as JobError {
            throw CLIError("prune: \(e)")
        }
    }
}
