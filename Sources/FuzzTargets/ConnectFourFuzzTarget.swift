import GameSearch

/// Connect-Four position files (`PositionFile`), each position then searched with a small node budget.
struct ConnectFourFuzzTarget: FuzzTarget {
    var name: String { "connect4" }
    var encoding: SizeFieldEncoding { .text }

    func seeds(repository: String) throws -> [[UInt8]] {
        let shared = repository + "/../shared/data/connect4"
        let files = ["Test_L3_R1", "Test_L2_R1", "Test_L1_R1"].map { shared + "/" + $0 }
        return SeedFiles.read(files, limit: 600).map(CSVFuzzTarget.wholeLines) + [Array("4453 2\n\n 1\n".utf8)]
    }

    func execute(_ bytes: [UInt8]) -> Bool {
        guard let file = try? PositionFile(text: String(decoding: bytes, as: UTF8.self), source: "fuzz") else {
            return false
        }
        let solver = ConnectFourSolver(budget: SearchBudget(maxNodes: 2_000), tableMegabytes: 0)
        for entry in file.entries.prefix(3) { _ = try? solver.solve(entry.position, weak: true) }
        return true
    }
}
