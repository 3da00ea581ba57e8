import Foundation
import PruneNN

/// A latency lookup table of a traced model on one engine (as in AMC's and NetAdapt's latency budgets: He
/// et al. 2018, Yang et al. 2018): every Conv2d and Linear layer timed alone at a grid of input × output
/// widths (fractions of its channels), and the rest of the model (normalizations, activations, pooling,
/// additions) as one constant, the whole dense model's time minus its layers' times. A layer timed alone
/// also pays the engine's fixed cost of one call, which the whole model pays once: the time of a call that
/// does almost nothing (a ReLU of one value) is measured and taken off every layer's times. A model's
/// latency at any widths is predicted as the remainder plus each layer's time interpolated bilinearly.
/// As a ``SearchCost`` it lets a ratio search hit a latency target.
public struct LatencyTable: SearchCost, Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var path: String
        public var inputs: [Int]
        public var outputs: [Int]
        /// Seconds by input-width index, then output-width index.
        public var seconds: [[Double]]

        /// Bilinear in the grid, extrapolated linearly beyond its ends.
        func predict(inputs i: Int, outputs o: Int) -> Double {
            let (i0, i1, ti) = Self.bracket(inputs, i), (o0, o1, to) = Self.bracket(outputs, o)
            let low = seconds[i0][o0] * (1 - to) + seconds[i0][o1] * to
            let high = seconds[i1][o0] * (1 - to) + seconds[i1][o1] * to
            return low * (1 - ti) + high * ti
        }

        /// The grid points around `x` and x's position between them (below 0 or above 1 outside the grid).
        static func bracket(_ grid: [Int], _ x: Int) -> (Int, Int, Double) {
            guard grid.count > 1 else { return (0, 0, 0) }
            let upper = min(max(grid.firstIndex(where: { $0 >= x }) ?? grid.count - 1, 1), grid.count - 1)
            let t = Double(x - grid[upper - 1]) / Double(grid[upper] - grid[upper - 1])
            return (upper - 1, upper, t)
        }
    }

    public var engine: String
    /// Examples per timed call.
    public var batch: Int
    public var entries: [Entry]
    /// The whole dense model's measured time, and the part not in any entry.
    public var denseSeconds: Double
    public var otherSeconds: Double
    /// The engine's time for a call that does almost nothing (taken off the layers' times).
    public var callSeconds: Double

    public var name: String { "latency" }

    public func cost(_ graph: DependencyGraph, widths: [ObjectIdentifier: Int]) -> Double {
        let byPath = Dictionary(entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        return StructuredPruner.layerWidths(graph, widths).reduce(otherSeconds) { sum, l in
            sum + (byPath[l.layer.path]?.predict(inputs: l.inputs, outputs: l.outputs) ?? 0)
        }
    }

    /// Measures the table of `model` (traced as `graph`, examples of `exampleShape` without the batch axis)
    /// with `measurer` at `batch` examples per call, at widths that are `fractions` of each changeable side's
    /// channels (1 included), rounded up to multiples of `roundTo` as the pruner rounds kept counts.
    public static func measure(_ model: any Module, graph: DependencyGraph, exampleShape: [Int],
                               measurer: any LatencyMeasurer, batch: Int = 1, roundTo: Int = 1,
                               fractions: [Double] = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1]) throws -> LatencyTable {
        var entries: [Entry] = [], probes: [LayerProbe] = []
        for layer in graph.layers {
            let inputs = grid(layer.inGroup == nil ? nil : layer.inChannels, fixed: layer.inChannels, fractions,
                              roundTo: roundTo)
            let outputs = grid(layer.outGroup == nil || !layer.outSegments.isEmpty ? nil : layer.outChannels,
                               fixed: layer.outChannels, fractions, roundTo: roundTo)
            let cells = inputs.flatMap { i in outputs.map { o in
                LayerProbe.of(layer, in: model, inputs: i, outputs: o, batch: batch)
            } }
            guard cells.allSatisfy({ $0 != nil }), !cells.isEmpty else { continue }
            probes += cells.compactMap { $0 }
            entries.append(Entry(path: layer.path, inputs: inputs, outputs: outputs, seconds: []))
        }
        var times = try measurer.seconds(probes + [LayerProbe(module: model, inputShape: [batch] + exampleShape),
                                                   LayerProbe(module: ReLU(), inputShape: [1, 1])])
        let call = times.removeLast(), dense = times.removeLast()
        var next = 0
        for e in entries.indices {
            let n = entries[e].outputs.count
            entries[e].seconds = (0..<entries[e].inputs.count).map { i in
                times[(next + i * n)..<(next + (i + 1) * n)].map { max($0 - call, 0) }
            }
            next += entries[e].inputs.count * n
        }
        let layers = entries.reduce(0.0) { $0 + ($1.seconds.last?.last ?? 0) }
        return LatencyTable(engine: measurer.name, batch: batch, entries: entries, denseSeconds: dense,
                            otherSeconds: max(dense - layers, 0), callSeconds: call)
    }

    /// The grid of one side: `fractions` of `channels` rounded (at least 1, up to a multiple of `roundTo`,
    /// no repeats), or the fixed count.
    static func grid(_ channels: Int?, fixed: Int, _ fractions: [Double], roundTo: Int) -> [Int] {
        guard let channels else { return [fixed] }
        let widths = fractions.map { f in
            StructuredSelection.roundedKept(max(1, Int((Double(channels) * f).rounded())), channels: channels,
                                            step: max(roundTo, 1))
        }
        return Array(Set(widths + [channels])).sorted()
    }
}
