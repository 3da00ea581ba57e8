import Foundation

/// Runs the cells of one shard of a ``SweepGrid``, each as the job its recipe describes, and writes
/// each cell's result atomically as soon as it finishes. Cells with a result for the same recipe are
/// skipped, and a cell killed mid-way continues from its job's checkpoint, so a killed sweep is
/// resumed by running the same command again.
public struct SweepRunner {
    public let grid: SweepGrid
    public let cells: [SweepCell]
    public var shard: SweepShard
    /// Where progress goes (each cell's job logs there too).
    public var log: any JobLog

    public struct Summary: Sendable {
        public let ran: Int, skipped: Int
    }

    public init(grid: SweepGrid, shard: SweepShard = .all, log: any JobLog = SilentLog()) throws {
        self.grid = grid; self.shard = shard; self.log = log
        cells = try grid.cells()
        try Self.checkSharedWeights(cells)
    }

    /// The cells of this shard.
    public var shardCells: [SweepCell] { cells.filter { shard.contains($0) } }

    /// Whether a cell has a result for exactly its recipe (an unreadable one is run again).
    public func isFinished(_ cell: SweepCell) -> Bool { (try? grid.finishedResult(cell)) != nil }

    @discardableResult
    public func run() throws -> Summary {
        try FileManager.default.createDirectory(atPath: "\(grid.out)/cells", withIntermediateDirectories: true)
        let mine = shardCells
        let todo = mine.filter { !isFinished($0) }
        log.info("shard \(shard): \(mine.count) of \(cells.count) cells; \(mine.count - todo.count) already "
                 + "finished, \(todo.count) to run")
        for (n, cell) in todo.enumerated() {
            log.info("cell \(n + 1)/\(todo.count) (grid #\(cell.index)): \(cell.key)")
            let result: SweepCellResult
            do { result = try run(cell) } catch let stop as TrainingStopped { throw stop } catch {
                throw JobError("cell \(cell.key): \(error)")
            }
            try AtomicFile.write(try result.encoded(), to: grid.resultPath(cell))
            log.info(String(format: "  accuracy %.2f%%, sparsity %.2f%%, %.1f s", result.metrics.accuracy * 100,
                            result.metrics.sparsity * 100, result.seconds))
        }
        return Summary(ran: todo.count, skipped: mine.count - todo.count)
    }

    /// One cell's job; its wall time leaves out the dense model's training (shared by many cells).
    func run(_ cell: SweepCell) throws -> SweepCellResult {
        let recipe = cell.recipe, data = RecipeJob.data(recipe)
        if recipe.trainingMethod == nil { try trainDenseIfMissing(recipe, data: data) }
        let start = Date()
        // A checkpoint beside the cell's model is what a killed run of this cell left: continue it.
        let resume = recipe.out.map { FileManager.default.fileExists(atPath: $0 + JobCheckpoint.suffix) } ?? false
        if recipe.trainingMethod != nil {
            let report = try SparseTrainingJob.run(recipe, data: data, log: log, resume: resume)
            return SweepCellResult(cell: cell, metrics: SweepMetrics(report),
                                   seconds: Date().timeIntervalSince(start), pruning: nil)
        }
        let report = try PruningJob.run(RecipeJob.pruningInputs(recipe, resume: resume), data: data, log: log)
        return SweepCellResult(cell: cell, metrics: SweepMetrics(report), seconds: Date().timeIntervalSince(start),
                               pruning: report)
    }

    /// Trains the recipe's missing dense model under a lock on `<weights>.lock`: of shards that start
    /// together, one trains it and the others wait and then read it.
    func trainDenseIfMissing(_ recipe: Recipe, data: ImageDataSource) throws {
        let weights = RecipeJob.weights(recipe)
        guard !PruningModelSource.isONNX(recipe.model), !FileManager.default.fileExists(atPath: weights) else { return }
        let dir = (weights as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try FileLock.withLock(weights + ".lock") {
            guard !FileManager.default.fileExists(atPath: weights) else { return }
            _ = try PruningModelSource.zoo(recipe.model, weights: weights,
                                           trainIfMissing: RecipeJob.denseTraining(recipe), data: data, log: log,
                                           resume: true)
            // Waiting shards hold the old file and find the weights; later ones never lock.
            unlink(weights + ".lock")
        }
    }

    /// Cells that share a dense weights file must agree on the model, and, when the file is still to be
    /// trained, on how it is trained, or which cell trained it would decide every other cell's result.
    static func checkSharedWeights(_ cells: [SweepCell]) throws {
        var first: [String: (key: String, dense: String)] = [:]
        for cell in cells where cell.recipe.trainingMethod == nil && !PruningModelSource.isONNX(cell.recipe.model) {
            let r = cell.recipe, weights = RecipeJob.weights(r)
            var dense = "model \(r.model)"
            if !FileManager.default.fileExists(atPath: weights) {
                dense += ", train epochs \(r.trainEpochs), seed \(r.trainSeed), lr \(r.trainLearningRate), "
                    + "train_limit \(r.trainLimit), batch \(r.settings.batchSize), data \(r.dataDirectory ?? "default")"
            }
            guard let seen = first[weights] else { first[weights] = (cell.key, dense); continue }
            guard seen.dense == dense else {
                throw JobError("cells \(seen.key) and \(cell.key) share the dense weights \(weights) but differ in "
                               + "how it is made (\(seen.dense) vs \(dense)); give train.seed in the recipe, or set "
                               + "weights in the same axis value as the key that differs")
            }
        }
    }
}
