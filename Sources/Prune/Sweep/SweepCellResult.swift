import Foundation

/// What one sweep cell measured, stored as `cells/<key>.json` (keys sorted, so identical runs write
/// identical files apart from the wall time).
public struct SweepCellResult: Codable, Sendable {
    public let key: String
    public let labels: [SweepCell.Label]
    /// The cell's recipe as run; a result whose recipe differs from the grid's is not a finished cell.
    public let recipe: String
    public let metrics: SweepMetrics
    /// Wall time of the cell's job.
    public let seconds: Double
    /// The pruning job's full report (per-layer sizes); nil for a training-time method.
    public let pruning: PruningReport?

    public init(key: String, labels: [SweepCell.Label], recipe: String, metrics: SweepMetrics, seconds: Double,
                pruning: PruningReport?) {
        self.key = key; self.labels = labels; self.recipe = recipe
        self.metrics = metrics; self.seconds = seconds; self.pruning = pruning
    }

    public init(cell: SweepCell, metrics: SweepMetrics, seconds: Double, pruning: PruningReport?) {
        self.init(key: cell.key, labels: cell.labels, recipe: cell.recipeText, metrics: metrics, seconds: seconds,
                  pruning: pruning)
    }

    /// The value of an axis in this cell.
    public func label(_ axis: String) -> String? { labels.first { $0.axis == axis }?.value }

    public func encoded() throws -> Data { try StableJSON.encode(self, pretty: true) }

    public static func read(_ path: String) throws -> SweepCellResult {
        guard let data = FileManager.default.contents(atPath: path) else { throw JobError("cannot read \(path)") }
        do { return try JSONDecoder().decode(SweepCellResult.self, from: data) } catch {
            throw JobError("\(path) is not a sweep cell result: \(error)")
        }
    }
}

extension SweepGrid {
    /// The cell's stored result when it is finished: nil when there is none or it was written for another
    /// recipe (the grid changed); an unreadable file is an error naming it.
    public func finishedResult(_ cell: SweepCell) throws -> SweepCellResult? {
        let path = resultPath(cell)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let result = try SweepCellResult.read(path)
        return result.recipe == cell.recipeText ? result : nil
    }
}

/// The numbers a sweep compares across cells (fractions, not percentages).
public struct SweepMetrics: Codable, Sendable, Equatable {
    public var accuracyDense: Double?
    public var accuracyAfterPruning: Double?
    /// The final test accuracy (after fine-tuning, or of the sparse-trained network).
    public var accuracy: Double
    /// Sparsity of the weights in scope.
    public var sparsity: Double
    /// Non-zero parameters over the dense model's parameters.
    public var parametersLeft: Double?
    /// Non-zero multiply-accumulates over the dense model's.
    public var macsLeft: Double?
    /// Estimated energy per inference over the dense model's (``EnergyModel``; an estimate, not measured).
    public var energyLeft: Double?
    public var fileBytes: Int?

    public init(_ r: PruningReport) {
        accuracyDense = r.accuracyDense
        accuracyAfterPruning = r.accuracyAfterPruning
        accuracy = r.accuracyAfterFineTuning ?? r.accuracyAfterPruning ?? r.accuracyDense ?? 0
        sparsity = r.scopeSparsity
        let parameters = r.denseParameters ?? r.totalParameters
        parametersLeft = parameters > 0 ? Double(r.totalNonzeros) / Double(parameters) : nil
        let macs = r.denseMACs ?? r.macs
        macsLeft = macs > 0 ? Double(r.nonzeroMACs) / Double(macs) : nil
        energyLeft = r.energyLeft
        fileBytes = r.fileBytes
    }

    public init(accuracy: Double, sparsity: Double, macsLeft: Double? = nil) {
        self.accuracy = accuracy; self.sparsity = sparsity; self.macsLeft = macsLeft
    }

    public init(_ r: SparseTrainingJob.Report) {
        accuracy = r.accuracy
        sparsity = r.sparsity
    }
}
