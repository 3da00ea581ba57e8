import XCTest
@testable import GameSearch

final class SearchTests: XCTestCase {
    func variants() -> [(String, SearchOptions)] {
        [
            ("alphabeta-failhard", SearchOptions(algorithm: .alphaBetaFailHard)),
            ("alphabeta-failsoft", SearchOptions(algorithm: .alphaBetaFailSoft)),
            ("pvs", SearchOptions(algorithm: .principalVariation)),
            ("failsoft+history+killers", SearchOptions(algorithm: .alphaBetaFailSoft, historyHeuristic: true, killerMoves: true)),
            ("pvs+tt", SearchOptions(algorithm: .principalVariation, transpositionTable: TranspositionTable(memoryBytes: 1 << 16))),
            ("failhard+tt(always)", SearchOptions(algorithm: .alphaBetaFailHard,
                                                  transpositionTable: TranspositionTable(memoryBytes: 1 << 12, replacement: .alwaysReplace))),
        ]
    }

    func testEveryAlphaBetaVariantReturnsTheMinimaxValueOnRandomTrees() throws {
        for seed in 0..<40 as Range<UInt64> {
            let b = 2 + Int(seed % 4), d = 1 + Int(seed % 6)
            var tree = RandomTree(branching: b, depth: d, seed: seed)
            let reference = try Searcher<RandomTree>(options: SearchOptions(algorithm: .minimax)).search(&tree, depth: d)
            XCTAssertEqual(reference.value, tree.exactValue())
            XCTAssertEqual(reference.statistics.leaves, (0..<d).reduce(1) { acc, _ in acc * b })
            for (name, opts) in variants() {
                let r = try Searcher<RandomTree>(options: opts).search(&tree, depth: d)
                XCTAssertEqual(r.value, reference.value, "\(name), b=\(b), d=\(d), seed \(seed)")
                if opts.algorithm != .principalVariation {
                    // PVS may evaluate a leaf twice when a null-window search must be repeated.
                    XCTAssertLessThanOrEqual(r.statistics.leaves, reference.statistics.leaves, name)
                }
                XCTAssertEqual(tree.path, [], "the game is restored")
            }
        }
    }

    func testPerfectOrderingVisitsExactlyTheMinimalTree() throws {
        for (b, d) in [(2, 4), (3, 3), (3, 5), (4, 4), (5, 3), (3, 6), (2, 7)] {
            for seed in 0..<3 as Range<UInt64> {
                for alg in [SearchOptions.Algorithm.alphaBetaFailHard, .alphaBetaFailSoft, .principalVariation] {
                    var tree = RandomTree(branching: b, depth: d, seed: seed)
                    let s = Searcher<RandomTree>(options: SearchOptions(algorithm: alg))
                    s.oracle = RandomTree.perfectOrder
                    let r = try s.search(&tree, depth: d)
                    XCTAssertEqual(r.value, tree.exactValue())
                    XCTAssertEqual(r.statistics.leaves, RandomTree.minimalLeaves(branching: b, depth: d),
                                   "\(alg) b=\(b) d=\(d): Knuth–Moore minimal tree")
                }
            }
        }
    }

    func testTicTacToeIsADraw() throws {
        var game = TicTacToe()
        let minimax = try Searcher<TicTacToe>(options: SearchOptions(algorithm: .minimax)).search(&game, depth: 9)
        XCTAssertEqual(minimax.value, 0)
        XCTAssertEqual(minimax.statistics.nodes, 549_946, "the full tic-tac-toe game tree")
        XCTAssertEqual(minimax.statistics.leaves, 255_168, "the number of complete tic-tac-toe games")
        let ab = try Searcher<TicTacToe>(options: SearchOptions(algorithm: .alphaBetaFailSoft, staticOrdering: true)).search(&game, depth: 9)
        XCTAssertEqual(ab.value, 0)
        XCTAssertLessThan(ab.statistics.nodes, minimax.statistics.nodes / 20)
        // X to move with two in a row wins at once: 10 − 5 marks.
        var g = TicTacToe()
        for m in [0, 3, 1, 4] { g.play(m) }
        let win = try Searcher<TicTacToe>().search(&g, depth: 9)
        XCTAssertEqual(win.value, 5)
        XCTAssertEqual(win.bestMove, 2)
    }

    func testIterativeDeepeningHonoursItsBudget() throws {
        var tree = RandomTree(branching: 6, depth: 12, seed: 1)
        let s = Searcher<RandomTree>(options: SearchOptions(algorithm: .principalVariation,
                                                            transpositionTable: TranspositionTable(memoryBytes: 1 << 20)),
                                     budget: SearchBudget(maxNodes: 50_000))
        let r = try s.iterativeDeepening(&tree, maxDepth: 12)
        XCTAssertGreaterThanOrEqual(r.depth, 3)
        XCTAssertLessThan(r.depth, 12)
        XCTAssertLessThanOrEqual(r.statistics.nodes, 50_002)
        XCTAssertEqual(tree.path, [])
        var small = RandomTree(branching: 3, depth: 5, seed: 2)
        let full = try Searcher<RandomTree>(options: SearchOptions(transpositionTable: TranspositionTable())).iterativeDeepening(&small, maxDepth: 5)
        XCTAssertEqual(full.depth, 5)
        XCTAssertEqual(full.value, small.exactValue())
    }

    func testTranspositionTableBoundsAndReplacement() {
        let tt = TranspositionTable(memoryBytes: 64, replacement: .depthPreferred)
        let n = UInt64(tt.capacity)
        tt.store(5, value: 7, depth: 4, bound: .lower, bestMove: 2)
        XCTAssertEqual(tt.probe(5)?.value, 7)
        XCTAssertEqual(tt.probe(5)?.bound, .lower)
        tt.store(5 + n, value: 1, depth: 2, bound: .exact, bestMove: 0)
        XCTAssertNotNil(tt.probe(5), "a shallower entry does not evict a deeper one")
        XCTAssertNil(tt.probe(5 + n))
        tt.store(5 + n, value: 1, depth: 6, bound: .exact, bestMove: 0)
        XCTAssertNil(tt.probe(5))
        let always = TranspositionTable(memoryBytes: 64, replacement: .alwaysReplace)
        always.store(3, value: 1, depth: 9, bound: .exact, bestMove: 0)
        always.store(3 + UInt64(always.capacity), value: 2, depth: 1, bound: .upper, bestMove: 0)
        XCTAssertNil(always.probe(3))
    }
}
