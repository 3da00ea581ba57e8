import Foundation

/// When pruning happens and how far each time: a schedule drives one ``PruningRun`` (prune to a
/// sparsity, evaluate, fine-tune) and says what the accuracy was after pruning and after fine-tuning.
///
/// A new schedule is one new conforming type: ``OneShotSchedule``, ``IterativeSchedule``,
/// ``GradualSchedule`` (Zhu & Gupta's AGP) and ``DynamicSurgerySchedule`` are the built-in ones; ``ScheduleRegistry`` maps the names
/// the CLI and recipes use to them.
public protocol PruningSchedule: Sendable, CustomStringConvertible {
    /// Runs the schedule; the run's target sparsity is `run.targetSparsity`.
    func run(_ run: PruningRun) throws -> ScheduleOutcome
    /// Whether two schedules are the same (type and settings).
    func isEqual(to other: any PruningSchedule) -> Bool
    /// Checks, before any work, that the schedule can reach `target` (default: any target).
    func validate(target: Double, pattern: SparsityPattern) throws
}

extension PruningSchedule {
    public func validate(target: Double, pattern: SparsityPattern) throws {}
}

extension PruningSchedule where Self: Equatable {
    public func isEqual(to other: any PruningSchedule) -> Bool { (other as? Self) == self }
}

/// Accuracies a schedule measured (fractions in [0, 1]; nil when that step did not happen).
public struct ScheduleOutcome: Sendable, Equatable {
    public var afterPruning: Double?
    public var afterFineTuning: Double?
    public init(afterPruning: Double? = nil, afterFineTuning: Double? = nil) {
        self.afterPruning = afterPruning; self.afterFineTuning = afterFineTuning
    }
}

/// What the CLI and recipes say about a schedule; each schedule type reads the settings it needs.
public struct ScheduleSettings: Sendable {
    /// Iterative: fraction of the remaining weights removed per round.
    public var rate = 0.5
    /// Fine-tuning epochs (per round for iterative; in total for AGP).
    public var epochs = 1
    /// AGP: prune every this many steps, over this fraction of the fine-tuning steps.
    public var agpFrequency = 100
    public var agpRamp = 0.75
    /// Optimizer steps per fine-tuning epoch.
    public var stepsPerEpoch = 1
    public init() {}
}

/// A schedule type the CLI and recipes can name: its names (the first is the canonical one) and how
/// it is built from the settings. Built-in schedules are listed in ``ScheduleRegistry/builtIn``.
public protocol RegisteredSchedule: PruningSchedule {
    static var names: [String] { get }
    static func make(_ settings: ScheduleSettings) throws -> any PruningSchedule
}

/// The schedules by the names the CLI and recipes use, looked up in the list of registered types.
public enum ScheduleRegistry {
    public static let builtIn: [any RegisteredSchedule.Type] = [OneShotSchedule.self, IterativeSchedule.self,
                                                                GradualSchedule.self, DynamicSurgerySchedule.self]

    private final class Added: @unchecked Sendable {
        let lock = NSLock()
        var types: [any RegisteredSchedule.Type] = []
    }
    private static let added = Added()

    /// Every registered type, built-in first.
    public static var types: [any RegisteredSchedule.Type] {
        added.lock.lock(); defer { added.lock.unlock() }
        return builtIn + added.types
    }

    /// Adds a schedule type (its names then work in settings and recipes of this process); a taken name is an error.
    public static func register(_ type: any RegisteredSchedule.Type) throws {
        if let clash = type.names.first(where: { self.type(named: $0) != nil }) {
            throw PruningError.invalidOption("the schedule name \(clash) is already registered")
        }
        added.lock.lock(); defer { added.lock.unlock() }
        added.types.append(type)
    }

    /// The canonical names: `oneshot`, `iterative`, `agp`, `dns`, then registered ones.
    public static var names: [String] { types.compactMap { $0.names.first } }

    /// The type a name (or another spelling of it) stands for.
    public static func type(named name: String) -> (any RegisteredSchedule.Type)? {
        types.first { $0.names.contains(name.lowercased()) }
    }

    /// The schedule named `name`, built from `settings`.
    public static func make(_ name: String, settings: ScheduleSettings) throws -> any PruningSchedule {
        guard let type = type(named: name) else {
            throw PruningError.invalidOption("unknown schedule \(name); known: \(names.joined(separator: ", "))")
        }
        return try type.make(settings)
    }
}
