/// One slice of a sweep: shard `index` of `count` runs the cells whose grid position is `index` modulo
/// `count` (0-based, as Kubernetes' `JOB_COMPLETION_INDEX` and Slurm's `SLURM_ARRAY_TASK_ID` count),
/// so shards get cells of every part of the grid.
public struct SweepShard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// The whole grid.
    public static let all = SweepShard(index: 0, count: 1)

    public init(index: Int, count: Int) { self.index = index; self.count = count }

    /// Parses `i/N` with 0 ≤ i < N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw RecipeError(line: nil, message: "--shard must be i/N (for example 0/4), got \(text)")
        }
        guard n >= 1, i >= 0, i < n else {
            throw RecipeError(line: nil, message: "--shard \(text) is impossible: N must be at least 1 and "
                              + "0 ≤ i < N (shards are numbered from 0)")
        }
        self.init(index: i, count: n)
    }

    public func contains(_ cell: SweepCell) -> Bool { cell.index % count == index }

    public var description: String { "\(index)/\(count)" }
}
