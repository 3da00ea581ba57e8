import PruneTensor

/// Receives the input of named Linear layers during a forward pass (calibration statistics).
/// `input` is `[batch, length, features]`; `paths` are the Linear layers that read it, relative
/// to the block (`attention.self.query`, `mlp.down_proj`, …). An observer that has seen every input
/// it needs may throw ``ObservationComplete`` to end the pass there.
public protocol LinearInputObserver: AnyObject {
    func observe(_ input: Tensor, paths: [String]) throws
}

/// Thrown by a ``LinearInputObserver`` that needs nothing more from a forward pass whose output will
/// be discarded (a statistics pass): the layers after the last observed input are not computed.
public struct ObservationComplete: Error, Sendable {
    public init() {}
}
