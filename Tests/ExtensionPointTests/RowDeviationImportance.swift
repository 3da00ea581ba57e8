import Prune

/// A criterion the library does not have, defined outside it: a weight scores its distance from the
/// mean of its output row, |w_ij − mean_k w_ik| (rows whose weights are all alike score low).
struct RowDeviationImportance: RegisteredCriterion {
    let name = "row-deviation"
    static let variants = [CriterionVariant("row-deviation") { _ in RowDeviationImportance() }]

    func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let w = target.parameter.value.scalars, n = target.fanIn
        return (0..<target.outputs).flatMap { row -> [Float] in
            let slice = w[(row * n)..<((row + 1) * n)]
            let mean = slice.reduce(0, +) / Float(n)
            return slice.map { abs($0 - mean) }
        }
    }
}
