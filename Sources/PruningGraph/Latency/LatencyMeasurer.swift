import PruneAutodiff
import PruneNN
import PruneTensor

/// Times modules on an inference engine: the source of a ``LatencyTable``. A new engine is one new
/// conforming type (the CLI adds onnxruntime).
public protocol LatencyMeasurer {
    /// Short name ("prune", "onnxruntime").
    var name: String { get }
    /// Median seconds of one forward pass of each probe at its input shape (zeros), in order.
    func seconds(_ probes: [LayerProbe]) throws -> [Double]
}

/// Prune's own engine, in this process: one warm-up pass, then ``MedianTiming``'s rounds.
public struct EngineLatency: LatencyMeasurer {
    public var timing: MedianTiming
    public init(timing: MedianTiming = MedianTiming(rounds: 5, minSeconds: 0.02)) { self.timing = timing }
    public var name: String { "prune" }

    public func seconds(_ probes: [LayerProbe]) throws -> [Double] {
        try probes.map { probe in
            probe.module.eval()
            let x = Variable(Tensor.zeros(probe.inputShape))
            return try withNoGrad { try timing.seconds { _ = try probe.module.forward(x) } }
        }
    }
}
