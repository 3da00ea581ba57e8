import ArgumentParser
import Foundation
import GameSearch

/// `prune bench search`: every position of Pascal Pons's four Connect-Four benchmark sets solved with
/// each technique stack, no node budget and no filtering, every score checked; mean nodes and time
/// beside Pons's published mean nodes for the same set and stack.
struct BenchSearch: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search",
        abstract: "Connect-Four on Pons's benchmark sets: mean nodes and time per technique stack vs his published figures.")

    @Option(help: "Folder with the sets (`moves score` lines; Pons's files Test_L3_R1, Test_L2_R1, Test_L2_R2, Test_L1_R1).")
    var sets: String = ProcessInfo.processInfo.environment["PRUNE_CONNECT4_SETS"] ?? "../shared/data/connect4"

    @Option(help: "Skip a stack on a set when Pons's published mean is above this many nodes per position (hours of work).")
    var maxPublishedNodes: Double = 2_500_000

    @Flag(help: "Run every stack on every set, also those Pons gives no figure for or that take hours.")
    var all = false

    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    struct Cell: Encodable {
        let file: String
        let set: String
        let stack: String
        let result: ConnectFourBenchmark.Result?
        let publishedMeanNodes: Double?
    }

    func run() throws {
        let console = Console(quiet: false, json: json)
        var cells: [Cell] = []
        for (file, positions) in try readSets() {
            let pons = PonsBenchmarkSet.named(file: file)
            for stack in ConnectFourStack.standard {
                let published = pons?.publishedMeanNodes[stack.name]
                guard shouldRun(published: published, isPons: pons != nil, stack: stack) else {
                    cells.append(Cell(file: file, set: pons?.name ?? file, stack: stack.name, result: nil,
                                      publishedMeanNodes: published))
                    continue
                }
                let result = try ConnectFourBenchmark.run(stack, on: positions) { done in
                    console.progress("\(file) \(stack.name): \(done)/\(positions.entries.count)")
                }
                console.endProgress()
                guard result.wrongScores == 0 else {
                    throw CLIError("bench search: \(stack.name) gave \(result.wrongScores) wrong scores on \(file)")
                }
                cells.append(Cell(file: file, set: pons?.name ?? file, stack: stack.name, result: result,
                                  publishedMeanNodes: published))
            }
        }
        if json { try console.emitJSON(cells) } else { printTable(cells) }
    }

    /// Pons's files in his order, then any other file of the folder.
    func readSets() throws -> [(String, PositionFile)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: sets) else {
            throw CLIError("bench search: cannot read the folder \(sets) (Pons's sets ship in shared/data/connect4; --sets PATH)")
        }
        let order = PonsBenchmarkSet.all.map(\.file)
        let files = names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted { a, b in
            (order.firstIndex(of: a) ?? order.count, a) < (order.firstIndex(of: b) ?? order.count, b)
        }
        guard !files.isEmpty else { throw CLIError("bench search: no position files in \(sets)") }
        return try files.map { name in
            let path = sets + "/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CLIError("bench search: cannot read \(path)")
            }
            do { return (name, try PositionFile(text: text,
                                                source: path)) } catch { throw CLIError("bench search: \(error)") }
        }
    }

    /// On Pons's sets: the stacks he published a figure for, up to `maxPublishedNodes`, and the later
    /// stacks (parts 9–12), which are fast; on other
    /// files: the strongest stack. `--all` runs everything.
    func shouldRun(published: Double?, isPons: Bool, stack: ConnectFourStack) -> Bool {
        if all { return true }
        guard isPons else { return stack.techniques == .all }
        return published.map { $0 <= maxPublishedNodes } ?? stack.runsWithoutFigure
    }

    func printTable(_ cells: [Cell]) {
        print("Connect-Four, every position of each set solved exactly (no node budget), every score checked;")
        print("Pons's column is his published mean (\"Solving Connect Four\", parts 3-8), not a measurement here.")
        print("| set | stack | positions | mean nodes (Prune) | mean time (Prune) | mean nodes (Pons, published) | Prune / Pons |")
        print("|---|---|---|---|---|---|---|")
        for c in cells {
            let theirs = c.publishedMeanNodes.map { formatCount($0) } ?? "–"
            guard let r = c.result else {
                print("| \(c.set) | \(c.stack) | not run | | | \(theirs) | |")
                continue
            }
            let time = r.meanSeconds < 1e-3 ? String(format: "%.1f µs", r.meanSeconds * 1e6)
                : String(format: "%.2f ms", r.meanSeconds * 1e3)
            let ratio = c.publishedMeanNodes.map { String(format: "%.3f", r.meanNodes / $0) } ?? "–"
            print("| \(c.set) | \(c.stack) | \(r.positions) | \(formatCount(r.meanNodes)) | \(time) | \(theirs) | \(ratio) |")
        }
        print("not run: Pons gives no figure (he did not run it either) or his mean is above "
              + "\(formatCount(maxPublishedNodes)) nodes per position; --all runs them (hours to days).")
    }

    func formatCount(_ x: Double) -> String { x < 1000 ? String(format: "%.1f", x) : String(format: "%.0f", x) }
}

/// `prune search connect4-sets`: writes position sets of your own (not Pons's benchmark sets).
struct SearchConnectFourSets: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "connect4-sets",
        abstract: "Generate Connect-Four position sets of your own (by stones and plies left), labelled by the exact solver; not Pons's sets.")

    @Option(help: "Output folder.") var out: String = "runs/connect4-generated"
    @Option(help: "Positions per set.") var count: Int = 100
    @OptionGroup var common: CommonOptions
    var seed: UInt64 { common.seed ?? 1 }

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let solver = ConnectFourSolver(budget: SearchBudget(maxNodes: 5_000_000))
        for spec in ConnectFourPositionSets.specs {
            let items = ConnectFourPositionSets.generate(spec, count: count, seed: seed, solver: solver)
            let text = items.map { "\($0.position) \($0.score)" }.joined(separator: "\n") + "\n"
            try text.write(toFile: "\(out)/\(spec.name).txt", atomically: true, encoding: .utf8)
            print("\(out)/\(spec.name).txt: \(items.count) positions (\(spec.stones.lowerBound)–\(spec.stones.upperBound) stones, \(spec.remaining.lowerBound)–\(spec.remaining.upperBound) plies left)")
        }
    }
}
