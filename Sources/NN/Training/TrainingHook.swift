/// Code that runs around every optimizer step of a ``TrainingLoop``: the training-time pruning methods
/// (dynamic sparse training, gradual magnitude pruning from scratch, the rewind snapshot of lottery
/// tickets) are hooks, so one loop trains every kind of network.
///
/// `step` counts optimizer steps from the start of the run (0 for the first).
public protocol TrainingHook: AnyObject {
    /// Before the forward pass of step `step` (for example: ask parameters for their dense gradient).
    func willStep(_ step: Int) throws
    /// After the optimizer's update of step `step`.
    func didStep(_ step: Int) throws
}

extension TrainingHook {
    public func willStep(_ step: Int) throws {}
    public func didStep(_ step: Int) throws {}
}

/// Several hooks run in order.
public final class TrainingHooks: TrainingHook {
    public let hooks: [any TrainingHook]
    public init(_ hooks: [any TrainingHook]) { self.hooks = hooks }
    public func willStep(_ step: Int) throws { for h in hooks { try h.willStep(step) } }
    public func didStep(_ step: Int) throws { for h in hooks { try h.didStep(step) } }
}
