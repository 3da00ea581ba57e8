import Prune

/// A latency engine the library does not have: Prune's engine, each probe timed by the fastest of `runs`
/// forward passes after one warm-up (the lower bound a quiet machine reaches) instead of a median of
/// rounds. A latency table, and so a latency target, then measure with it.
struct FastestRunLatency: LatencyMeasurer {
    var runs = 10
    var name: String { "prune-fastest" }

    func seconds(_ probes: [LayerProbe]) throws -> [Double] {
        let clock = ContinuousClock()
        return try probes.map { probe in
            probe.module.eval()
            let x = Variable(Tensor.zeros(probe.inputShape))
            return try withNoGrad {
                _ = try probe.module.forward(x)
                var fastest = Double.infinity
                for _ in 0..<runs {
                    let took = try clock.measure { _ = try probe.module.forward(x) }.components
                    fastest = min(fastest, Double(took.seconds) + Double(took.attoseconds) * 1e-18)
                }
                return fastest
            }
        }
    }
}
