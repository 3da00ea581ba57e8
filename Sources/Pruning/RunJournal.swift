import PruneNN
import PruneTensor

/// One operation a pruning run did, in order: what a resumed run replays instead of redoing.
public enum RunJournalEntry: Codable, Sendable, Equatable {
    case prune(sparsity: Double)
    case evaluate(accuracy: Double)
    /// A fine-tuning epoch and its mean training loss (nil in checkpoints written before it was recorded).
    case fineTuneEpoch(loss: Double?)
    /// A stop request inside a fine-tuning epoch after `batch` batches, with the epoch's loss sum and examples
    /// so far: the last entry of the checkpoint it wrote, dropped once a resumed run has continued from it.
    case fineTuneStopped(batch: Int, lossSum: Double, seen: Int)
}

/// Where a pruning run saves its state at safe points: after every top-level operation (prune,
/// evaluate) and at the end of every fine-tuning epoch, with the optimizer's state when inside one.
public protocol RunCheckpointSink: AnyObject {
    func save(journal: [RunJournalEntry], optimizerState: [String: Tensor]?, model: any Module) throws
}

/// A previous run to continue: the operations it recorded up to its last checkpoint, and how to
/// restore the model (values, masks, buffers) saved then; `restore` returns the optimizer state
/// saved with it (nil when the checkpoint was not inside fine-tuning).
///
/// The schedule runs again from the start; its operations up to the checkpoint are replayed from the
/// journal (recorded accuracies returned, no pruning or training done), so a schedule needs no code
/// of its own to be resumable, and the resumed run ends with the same model, byte for byte.
public struct RunResumption {
    public var journal: [RunJournalEntry]
    public var restore: () throws -> [String: Tensor]?
    public init(journal: [RunJournalEntry], restore: @escaping () throws -> [String: Tensor]?) {
        self.journal = journal
        self.restore = restore
    }
}

/// The replay and recording state of one run (see ``RunResumption``).
struct RunJournal {
    var recorded: [RunJournalEntry] = []
    var replay: [RunJournalEntry] = []
    var cursor = 0
    var restoredOptimizerState: [String: Tensor]?
    var restore: (() throws -> [String: Tensor]?)?

    var isReplaying: Bool { cursor < replay.count }

    /// Where the fine-tuning epoch being replayed was stopped, when the checkpoint ends inside it (its last
    /// entry is a stop and no epoch end lies between the cursor and it).
    var stopInCurrentEpoch: (batch: Int, lossSum: Double, seen: Int)? {
        guard case .fineTuneStopped(let batch, let lossSum, let seen) = replay.last,
              !replay[cursor...].contains(where: { if case .fineTuneEpoch = $0 { true } else { false } }) else {
            return nil
        }
        return (batch, lossSum, seen)
    }

    /// Consumes the next replayed entry (an error when it is not what the schedule does now), and
    /// restores the saved state after the last one.
    mutating func next(_ expected: String, matches: (RunJournalEntry) -> Bool) throws -> RunJournalEntry {
        let entry = replay[cursor]
        guard matches(entry) else {
            throw PruningError.invalidOption(
                "the checkpoint does not match this run: it recorded \(entry) where the schedule now does "
                    + "\(expected); remove the checkpoint or run without --resume")
        }
        cursor += 1
        recorded.append(entry)
        if cursor == replay.count { restoredOptimizerState = try restore?() }
        return entry
    }
}
