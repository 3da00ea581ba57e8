/// Thrown by ``OneShotPruner/prune(_:calibration:checkpoints:progress:)`` when a ``StopRequest`` (what SIGTERM
/// becomes inside a deferring scope) arrived while a block was pruned: that block was finished and its
/// checkpoint saved, and the run ends there; resuming from the checkpoints continues with the next block.
public struct OneShotStopped: Error, CustomStringConvertible {
    public let blocksDone: Int
    public let blockCount: Int
    public init(blocksDone: Int, blockCount: Int) { self.blocksDone = blocksDone; self.blockCount = blockCount }
    public var description: String {
        "stopped on request after block \(blocksDone) of \(blockCount); the checkpoint is saved"
    }
}
