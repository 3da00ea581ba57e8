import ArgumentParser
import Foundation
import GameSearch

/// `prune bench search`: mean nodes and time per position for each added search technique on the
/// Connect-Four position sets, beside Pascal Pons's published figures for the same technique.
struct BenchSearch: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search",
        abstract: "Connect-Four: mean nodes and time per technique stack vs Pons's published figures.")

    @Option(help: "Folder with the position sets (written by `prune search connect4-sets`).")
    var sets: String = "Benchmarks/connect4"

    @Option(help: "Per-position node budget; a stack that exceeds it on any position of a set shows n/a.")
    var maxNodes: Int = 20_000_000

    @Option(help: "Use only the first N positions of each set (0 = all).")
    var limit: Int = 0

    @Flag(help: "Print the result as JSON on stdout.")
    var json = false

    struct Cell: Encodable {
        let set: String
        let technique: String
        let positions: Int
        let solved: Int
        let correct: Int
        let meanNodes: Double?
        let meanSeconds: Double?
        let ponsMeanNodes: Double?
    }

    func run() throws {
        var cells: [Cell] = []
        let console = Console(quiet: false, json: json)
        for spec in ConnectFourPositionSets.specs {
            let path = "\(sets)/\(spec.name).txt"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CLIError("bench search: cannot read \(path); write the sets with `prune search connect4-sets --out \(sets)`")
            }
            var items: [(ConnectFour, Int)] = []
            for (i, line) in text.split(whereSeparator: \.isNewline).enumerated() {
                let parts = line.split(separator: " ")
                guard parts.count == 2, let score = Int(parts[1]) else { throw CLIError("bench search: \(path) line \(i + 1) is not `moves score`") }
                do { items.append((try ConnectFour(position: String(parts[0])), score)) } catch { throw CLIError("bench search: \(path) line \(i + 1): \(error)") }
            }
            if limit > 0 { items = Array(items.prefix(limit)) }
            for stack in ConnectFourPositionSets.stacks {
                let pons = ConnectFourPositionSets.ponsMeanNodes[stack.name]?[spec.name] ?? nil
                let solver = ConnectFourSolver(techniques: stack.techniques, budget: SearchBudget(maxNodes: maxNodes))
                var solved = 0, correct = 0, nodes = 0.0, seconds = 0.0
                for (k, (p, expected)) in items.enumerated() {
                    solver.reset()
                    let t0 = Date()
                    do {
                        let s = try solver.solve(p)
                        solved += 1
                        if s == expected { correct += 1 }
                        nodes += Double(solver.nodes)
                    } catch is SearchAborted { break }
                    seconds += Date().timeIntervalSince(t0)
                    console.progress("\(spec.name) \(stack.name): \(k + 1)/\(items.count)")
                }
                console.endProgress()
                let complete = solved == items.count
                cells.append(Cell(set: spec.name, technique: stack.name, positions: items.count, solved: solved, correct: correct,
                                  meanNodes: complete ? nodes / Double(solved) : nil, meanSeconds: complete ? seconds / Double(solved) : nil,
                                  ponsMeanNodes: pons))
                if correct != solved { throw CLIError("bench search: \(stack.name) gave \(solved - correct) wrong scores on \(spec.name)") }
            }
        }
        if json { try console.emitJSON(cells); return }
        print("Connect-Four, mean per position (node budget \(maxNodes) per position; n/a = a position went over budget, after k of n solved)")
        print("| set | technique | positions | mean nodes (Prune) | mean time (Prune) | mean nodes (Pons) | Prune / Pons |")
        print("|---|---|---|---|---|---|---|")
        for c in cells {
            let ours = c.meanNodes.map { String(format: "%.1f", $0) } ?? "n/a (\(c.solved)/\(c.positions) in budget)"
            let time = c.meanSeconds.map { $0 < 1e-3 ? String(format: "%.1f µs", $0 * 1e6) : String(format: "%.2f ms", $0 * 1e3) } ?? "n/a"
            let theirs = c.ponsMeanNodes.map { String(format: "%.1f", $0) } ?? "n/a"
            let ratio = (c.meanNodes != nil && c.ponsMeanNodes != nil) ? String(format: "%.2f", c.meanNodes! / c.ponsMeanNodes!) : "–"
            print("| \(c.set) | \(c.technique) | \(c.positions) | \(ours) | \(time) | \(theirs) | \(ratio) |")
        }
    }
}

/// `prune search connect4-sets`: writes the benchmark position sets.
struct SearchConnectFourSets: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "connect4-sets",
        abstract: "Generate Connect-Four position sets (end/middle/begin × easy/medium) labelled by the exact solver.")

    @Option(help: "Output folder.") var out: String = "Benchmarks/connect4"
    @Option(help: "Positions per set.") var count: Int = 100
    @Option(help: "Seed of the random games.") var seed: UInt64 = 1

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
