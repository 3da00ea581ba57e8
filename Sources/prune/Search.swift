import ArgumentParser
import Foundation
import GameSearch
import Prune

/// `prune search`: search-tree pruning (alpha-beta and its refinements) on games.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search-tree pruning: alpha-beta, move ordering, transposition tables, iterative deepening.",
        subcommands: [SearchConnectFour.self, SearchConnectFourSets.self, SearchTree.self, SearchTicTacToe.self])
}

/// Parses technique names ("alphabeta,order,tt,id" or "all").
func parseTechniques(_ text: String) throws -> ConnectFourSolver.Techniques {
    if text == "all" { return .all }
    var t: ConnectFourSolver.Techniques = []
    for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
        switch name {
        case "minimax": break
        case "alphabeta": t.insert(.alphaBeta)
        case "order": t.insert(.moveOrder)
        case "tt": t.insert(.transpositionTable)
        case "id": t.insert(.iterativeDeepening)
        case "losing": t.insert(.nonLosingMoves)
        case "threats": t.insert(.threatOrder)
        case "lower": t.insert(.lowerBounds)
        case "mirror": t.insert(.mirrorSymmetry)
        default: throw CLIError("unknown technique '\(name)'; known: minimax, alphabeta, order, tt, id, "
                                + "losing, threats, lower, mirror, all")
        }
    }
    if !t.isDisjoint(with: [.threatOrder, .lowerBounds, .mirrorSymmetry]) && !t.contains(.nonLosingMoves) {
        throw CLIError("techniques 'threats', 'lower' and 'mirror' work inside the 'losing' search; add losing")
    }
    if t.contains(.nonLosingMoves) && !t.contains(.alphaBeta) {
        throw CLIError("technique 'losing' is an alpha-beta search; add alphabeta")
    }
    return t
}

struct SearchConnectFour: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "connect4",
        abstract: "Solve Connect-Four positions exactly (score, best move, nodes, time).")

    @Option(help: "Position as 1-based column numbers, e.g. 4453 (empty: the starting position).")
    var position: String?

    @Option(help: "Benchmark file: lines `moves score`; reports correctness, mean time and mean nodes.")
    var bench: String?

    @Flag(help: "Weak solve: only win (1), draw (0) or loss (-1).")
    var weak = false

    @Option(help: "Techniques: all, or a comma list of alphabeta, order, tt, id, losing, threats, lower, mirror (minimax when none).")
    var techniques: String = "all"

    @Option(help: "Give up on a position after this many nodes (0 = no limit).")
    var maxNodes: Int = 0

    @Option(help: "Transposition table size in megabytes (64 as in Pons's tutorial; more helps early positions).")
    var tableMb: Int = 64

    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    struct Solved: Encodable {
        let position: String
        let score: Int
        let bestMove: Int?
        let nodes: Int
        let seconds: Double
        let weak: Bool
    }

    struct BenchReport: Encodable {
        let file: String
        let positions: Int
        let correct: Int
        let unsolved: Int
        let meanSeconds: Double
        let meanNodes: Double
        let weak: Bool
    }

    func validate() throws {
        try OptionBounds.atLeast(maxNodes, 0, "--max-nodes")
        try OptionBounds.atLeast(tableMb, 1, "--table-mb")
    }

    func run() throws {
        let t = try parseTechniques(techniques)
        do { try MemoryBudget.check(elements: tableMb, of: 1 << 20, for: "the transposition table (--table-mb)") } catch {
            throw CLIError("search connect4: \(error)")
        }
        let solver = ConnectFourSolver(techniques: t, budget: SearchBudget(maxNodes: maxNodes > 0 ? maxNodes : nil),
                                       tableMegabytes: tableMb)
        let console = Console(quiet: false, json: json)
        let started = Date()
        solver.onProgress = { nodes in
            console.progress(String(format: "%.0f M nodes, %.0f s", Double(nodes) / 1e6,
                                    Date().timeIntervalSince(started)))
        }
        if let bench { return try runBench(bench, solver: solver, console: console) }
        let text = position ?? ""
        let p: ConnectFour
        do { p = try ConnectFour(position: text) } catch { throw CLIError("search connect4: \(error)") }
        if maxNodes == 0 && p.moves < 12 {
            console.warning("note: an exact solve of a position with \(p.moves) stones can take hours on a CPU; "
                         + "--max-nodes bounds it (progress is shown as it runs)")
        }
        let start = Date()
        do {
            let score = try solver.solve(p, weak: weak)
            var nodes = solver.nodes
            let best = weak ? nil : try solver.bestMove(p)
            console.endProgress()
            if !weak { nodes += solver.nodes }
            let r = Solved(position: text, score: score, bestMove: best.map { $0.column + 1 }, nodes: nodes,
                           seconds: Date().timeIntervalSince(start), weak: weak)
            if json { try console.emitJSON(r) } else {
                let verdict = score > 0 ? "win" : (score < 0 ? "loss" : "draw")
                print("position \"\(text)\": score \(score) (\(verdict) for the side to move)\(r.bestMove.map { ", best move: column \($0)" } ?? ""); \(nodes) nodes, \(String(format: "%.3g", r.seconds)) s")
            }
        } catch let e as SearchAborted {
            throw CLIError("search connect4: \(e)")
        }
    }

    /// `--bench FILE`: every position of a `moves score` file, with correctness, mean time and nodes.
    func runBench(_ bench: String, solver: ConnectFourSolver, console: Console) throws {
        guard let text = try? String(contentsOfFile: bench,
                                     encoding: .utf8) else { throw CLIError("search connect4: cannot read \(bench)") }
        var n = 0, correct = 0, unsolved = 0, nodes = 0.0, seconds = 0.0
        for (i, line) in text.split(whereSeparator: \.isNewline).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let expected = Int(parts[1]) else {
                throw CLIError("search connect4: \(bench) line \(i + 1): expected `moves score`, got \"\(line)\"")
            }
            let p: ConnectFour
            do { p = try ConnectFour(position: String(parts[0])) } catch { throw CLIError("search connect4: \(bench) line \(i + 1): \(error)") }
            n += 1
            solver.reset()
            let start = Date()
            do {
                let s = try solver.solve(p, weak: weak)
                if s == (weak ? expected.signum() : expected) { correct += 1 }
            } catch is SearchAborted { unsolved += 1 }
            seconds += Date().timeIntervalSince(start)
            nodes += Double(solver.nodes)
            console.progress("\(n) positions, \(correct) correct")
        }
        console.endProgress()
        let r = BenchReport(file: bench, positions: n, correct: correct, unsolved: unsolved,
                            meanSeconds: seconds / Double(max(n, 1)),
                            meanNodes: nodes / Double(max(n, 1)), weak: weak)
        if json { try console.emitJSON(r) } else {
            print(String(format: "%@: %d/%d correct%@, mean time %.3g s, mean nodes %.1f", bench, correct, n,
                         unsolved > 0 ? " (\(unsolved) over the node budget)" : "", r.meanSeconds, r.meanNodes))
        }
        if correct + unsolved != n { throw ExitCode(1) }
    }
}

struct SearchTree: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tree",
        abstract: "Compare minimax and every alpha-beta variant on one random game tree.")

    @Option(help: "Moves per node.") var branching: Int = 4
    @Option(help: "Plies.") var depth: Int = 6
    @OptionGroup var common: CommonOptions
    var seed: UInt64 { common.seed ?? 0 }
    var json: Bool { common.json }

    struct Row: Encodable {
        let variant: String
        let value: Int
        let nodes: Int
        let leaves: Int
        let cutoffs: Int
        let ttHits: Int
        let seconds: Double
    }
    struct Report: Encodable {
        let branching: Int, depth: Int, seed: UInt64
        let minimalTreeLeaves: Int
        let rows: [Row]
    }

    func validate() throws {
        guard branching >= 1, branching <= 64, depth >= 0, depth <= 40 else { throw ValidationError("need 1 ≤ branching ≤ 64 and 0 ≤ depth ≤ 40") }
        let leaves = pow(Double(branching), Double(depth))
        guard leaves <= 5e8 else { throw ValidationError("a \(branching)^\(depth) tree has \(Int(leaves)) leaves; minimax would not finish (limit 5e8)") }
    }

    func run() throws {
        var variants: [(String, SearchOptions, Bool)] = [
            ("minimax", SearchOptions(algorithm: .minimax), false),
            ("alphabeta-failhard", SearchOptions(algorithm: .alphaBetaFailHard), false),
            ("alphabeta-failsoft", SearchOptions(algorithm: .alphaBetaFailSoft), false),
            ("pvs", SearchOptions(algorithm: .principalVariation), false),
            ("failsoft+killers+history", SearchOptions(algorithm: .alphaBetaFailSoft, historyHeuristic: true,
                                                       killerMoves: true), false),
            ("pvs+tt", SearchOptions(algorithm: .principalVariation,
                                     transpositionTable: TranspositionTable(memoryBytes: 64 << 20)), false),
        ]
        if pow(Double(branching), Double(depth)) <= 2e6 {
            variants.append(("alphabeta+perfect-order", SearchOptions(algorithm: .alphaBetaFailHard), true))
        }
        var rows: [Row] = []
        for (name, opts, oracle) in variants {
            var tree = RandomTree(branching: branching, depth: depth, seed: seed)
            let s = Searcher<RandomTree>(options: opts)
            if oracle { s.oracle = RandomTree.perfectOrder }
            let r = try s.search(&tree, depth: depth)
            rows.append(Row(variant: name, value: r.value, nodes: r.statistics.nodes, leaves: r.statistics.leaves,
                            cutoffs: r.statistics.cutoffs, ttHits: r.statistics.ttHits, seconds: r.statistics.seconds))
        }
        let report = Report(branching: branching, depth: depth, seed: seed,
                            minimalTreeLeaves: RandomTree.minimalLeaves(branching: branching, depth: depth), rows: rows)
        if json { try Console(quiet: false, json: true).emitJSON(report); return }
        print("random tree b=\(branching) d=\(depth) seed=\(seed); minimal tree (Knuth & Moore): \(report.minimalTreeLeaves) leaves")
        print("variant                       value        nodes       leaves   cut-offs    TT hits     time")
        for r in rows {
            print(String(format: "%-26@ %8d %12d %12d %10d %10d %8.3fs", r.variant, r.value, r.nodes, r.leaves,
                         r.cutoffs, r.ttHits, r.seconds))
        }
    }
}

struct SearchTicTacToe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tictactoe",
        abstract: "Solve tic-tac-toe from the empty board with minimax and alpha-beta, side by side.")

    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    struct Row: Encodable { let variant: String; let value: Int; let nodes: Int; let leaves: Int; let cutoffs: Int }

    func run() throws {
        var rows: [Row] = []
        for (name, opts) in [("minimax", SearchOptions(algorithm: .minimax)),
                             ("alpha-beta", SearchOptions(algorithm: .alphaBetaFailSoft)),
                             ("alpha-beta + static order", SearchOptions(algorithm: .alphaBetaFailSoft,
                                                                         staticOrdering: true)),
                             ("alpha-beta + order + TT", SearchOptions(algorithm: .alphaBetaFailSoft,
                                                                       staticOrdering: true,
                                                                       transpositionTable: TranspositionTable(memoryBytes: 1 << 20)))] {
            var g = TicTacToe()
            let r = try Searcher<TicTacToe>(options: opts).search(&g, depth: 9)
            rows.append(Row(variant: name, value: r.value, nodes: r.statistics.nodes, leaves: r.statistics.leaves,
                            cutoffs: r.statistics.cutoffs))
        }
        if json { try Console(quiet: false, json: true).emitJSON(rows); return }
        print("tic-tac-toe from the empty board (value 0 = draw)")
        for r in rows { print(String(format: "%-28@ value %2d  %8d nodes  %8d leaves  %6d cut-offs", r.variant,
                                     r.value, r.nodes, r.leaves, r.cutoffs)) }
    }
}
