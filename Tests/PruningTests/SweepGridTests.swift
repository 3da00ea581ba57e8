import XCTest
@testable import PrunePruning

/// Sweep grids: the cells are the cross product in order, each value sets its recipe keys, keys are
/// file-safe and unique, shards partition the grid, and bad grids are errors that name the problem.
final class SweepGridTests: XCTestCase {
    let grid = """
        base:
          model: lenet300
          weights: runs/d.safetensors
          prune: {criterion: magnitude, scope: global, sparsity: 0.5}
          finetune: {epochs: 1}
        grid:
          method:
            - {name: global, prune.scope: global}
            - {name: layer-random, prune.criterion: random, prune.scope: layerwise}
          prune.sparsity: [0.5, 0.9]
          seed: [0, 7]
        out: /tmp/s
        """

    func testCellsAreTheCrossProductWithTheirSettings() throws {
        let g = try SweepGrid.parse(grid)
        XCTAssertEqual(g.axes.map(\.name), ["method", "prune.sparsity", "seed"])
        let cells = try g.cells()
        XCTAssertEqual(cells.count, 8)
        XCTAssertEqual(cells.map(\.index), Array(0..<8))
        XCTAssertEqual(cells[0].key, "method=global,prune.sparsity=0.5,seed=0")
        XCTAssertEqual(cells[7].key, "method=layer-random,prune.sparsity=0.9,seed=7")
        XCTAssertEqual(cells[1].labels.map(\.value), ["global", "0.5", "7"], "the last axis varies fastest")
        let last = cells[7].recipe
        XCTAssertEqual(last.settings.criterion.name, "random")
        XCTAssertEqual(last.settings.scope, .layerwise)
        XCTAssertEqual(last.settings.sparsity, 0.9)
        XCTAssertEqual(last.settings.seed, 7)
        XCTAssertEqual(last.settings.finetuneEpochs, 1, "keys no axis sets keep the base's value")
        XCTAssertEqual(last.out, "/tmp/s/cells/\(cells[7].key).safetensors")
        XCTAssertEqual(g.resultPath(cells[7]), "/tmp/s/cells/\(cells[7].key).json")
        XCTAssertEqual(cells[0].recipe.settings.criterion.name, "magnitude")
        XCTAssertEqual(Set(cells.map(\.recipeText)).count, 8)
    }

    func testKeysAreFileSafe() {
        let labels = [SweepCell.Label(axis: "a/b", value: "x y*"), SweepCell.Label(axis: "c", value: "1")]
        XCTAssertEqual(SweepCell.key(labels), "a_b=x_y_,c=1")
    }

    func testShardsPartitionTheGrid() throws {
        let cells = try SweepGrid.parse(grid).cells()
        for n in 1...9 {
            var seen: [Int] = []
            for i in 0..<n {
                let shard = try SweepShard(parsing: "\(i)/\(n)")
                seen += cells.filter { shard.contains($0) }.map(\.index)
            }
            XCTAssertEqual(seen.sorted(), Array(0..<8), "every cell in exactly one of \(n) shards")
        }
        for bad in ["3/3", "-1/2", "1", "a/b", "0/0", "1/2/3"] {
            XCTAssertThrowsError(try SweepShard(parsing: bad), bad) { e in
                XCTAssertTrue("\(e)".contains("--shard"), "\(e)")
            }
        }
    }

    func testBadGridsNameTheProblem() {
        let cases: [(String, String)] = [
            ("grid: {seed: [0]}", "base recipe"),
            ("base: {model: lenet300}", "grid:"),
            ("base: {model: lenet300}\ngrid: {seed: []}", "non-empty list"),
            ("base: {model: lenet300}\ngrid: {prune.bogus: [1]}", "bogus"),
            ("base: {model: lenet300}\ngrid: {prune.sparsity: [0.5, 1.5]}", "prune.sparsity=1.5"),
            ("base: {model: lenet300}\ngrid: {seed: [1, 1]}", "twice"),
            ("base: {model: lenet300}\ngrid: {m: [{name: x}]}", "sets no recipe key"),
            ("base: {model: lenet300}\ngrid: {model.x: [1]}", "not a section"),
            ("base: {model: lenet300}\ngrid: {seed: [0]}\nextra: 1", "extra"),
            ("recipe: /nonexistent.yaml\ngrid: {seed: [0]}", "nonexistent.yaml"),
        ]
        for (text, needle) in cases {
            XCTAssertThrowsError(try SweepGrid.parse(text).cells(), text) { e in
                XCTAssertTrue("\(e)".contains(needle), "\(text): \(e)")
            }
        }
    }

    func testBaseRecipeFileIsReadRelativeToTheGrid() throws {
        let dir = NSTemporaryDirectory() + "sweep-grid-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "model: lenet5\nprune: {sparsity: 0.3}\n".write(toFile: dir + "/base.yaml", atomically: true,
                                                            encoding: .utf8)
        try "recipe: base.yaml\ngrid: {prune.sparsity: [0.4, 0.6]}\n".write(toFile: dir + "/g.yaml", atomically: true,
                                                                             encoding: .utf8)
        let g = try SweepGrid.load(path: dir + "/g.yaml")
        XCTAssertEqual(g.out, "runs/sweep-g")
        let cells = try g.cells()
        XCTAssertEqual(cells.map(\.recipe.model), ["lenet5", "lenet5"])
        XCTAssertEqual(cells.map(\.recipe.settings.sparsity), [0.4, 0.6])
    }
}
