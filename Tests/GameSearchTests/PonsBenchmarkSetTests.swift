import Foundation
import XCTest
@testable import GameSearch

/// Pascal Pons's benchmark sets (shared/data/connect4, beside the clone in CI and on developers'
/// machines; $PRUNE_CONNECT4_SETS overrides): the solver's scores equal his on real positions.
final class PonsBenchmarkSetTests: XCTestCase {
    static var folder: String {
        if let d = ProcessInfo.processInfo.environment["PRUNE_CONNECT4_SETS"] { return d }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/data/connect4").path
    }

    func read(_ set: PonsBenchmarkSet) throws -> PositionFile {
        let path = Self.folder + "/" + set.file
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            XCTFail("Pons's set \(path) is missing (shared/data/connect4 beside the clone)")
            throw PositionFileError("missing \(path)")
        }
        return try PositionFile(text: text, source: path)
    }

    func testEverySetHasAThousandPositionsAndTheLaterStacksAgreeOnTheFirstHundred() throws {
        for set in PonsBenchmarkSet.all {
            let file = try read(set)
            XCTAssertEqual(file.entries.count, 1000, set.file)
            let slice = try PositionFile(text: file.entries.prefix(100).map { "\($0.moves) \($0.score)" }
                .joined(separator: "\n"), source: set.file)
            for stack in ConnectFourStack.standard.suffix(4) {
                let r = try ConnectFourBenchmark.run(stack, on: slice)
                XCTAssertEqual(r.positions, 100)
                XCTAssertEqual(r.wrongScores, 0, "\(set.file) \(stack.name)")
            }
        }
    }

    func testEveryStackSolvesTheWholeEndEasySet() throws {
        let file = try read(PonsBenchmarkSet.all[0])
        for stack in ConnectFourStack.standard {
            XCTAssertEqual(try ConnectFourBenchmark.run(stack, on: file).wrongScores, 0, stack.name)
        }
    }

    func testAWrongScoreIsCounted() throws {
        // The first End-Easy position of Pons's Test_L3_R1 (score −1), given a wrong score.
        let moves = "2252576253462244111563365343671351441"
        XCTAssertEqual(try ConnectFourSolver().solve(try ConnectFour(position: moves)), -1)
        let wrong = try PositionFile(text: "\(moves) 0\n", source: "t")
        XCTAssertEqual(try ConnectFourBenchmark.run(ConnectFourStack.standard[4], on: wrong).wrongScores, 1)
    }

    func testMalformedLinesNameTheLine() {
        XCTAssertThrowsError(try PositionFile(text: "4453 1\n44x 2\n", source: "f")) { e in
            XCTAssertTrue("\(e)".contains("f line 2"), "\(e)")
        }
        XCTAssertThrowsError(try PositionFile(text: "\n", source: "f"))
    }
}
