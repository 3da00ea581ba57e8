import PruneNN
import PruneTensor
import XCTest
@testable import PrunePruningGraph

/// The latency lookup table: with an engine whose time is an affine function of each probe's
/// multiply-accumulates, bilinear interpolation is exact, so the table must predict every candidate's
/// time in closed form — at widths off its grid too — and a search can budget it.
final class LatencyTableTests: XCTestCase {
    /// Time = 1 µs (the call) + 1 ns per multiply-accumulate of the probe (from its weight and input shape),
    /// 1 µs for the near-empty call (a ReLU) and a fixed 10 ms for the whole model (so the remainder is known).
    struct AffineEngine: LatencyMeasurer {
        var name: String { "affine" }
        func seconds(_ probes: [LayerProbe]) throws -> [Double] {
            probes.map { p in
                if let conv = p.module as? Conv2d {
                    let g = conv.geometry
                    let oh = (p.inputShape[2] + 2 * g.padding.h - g.dilation.h * (g.kernel.h - 1) - 1) / g.stride.h + 1
                    let ow = (p.inputShape[3] + 2 * g.padding.w - g.dilation.w * (g.kernel.w - 1) - 1) / g.stride.w + 1
                    return 1e-6 + 1e-9 * Double(conv.weight.value.count * oh * ow)
                }
                if let linear = p.module as? Linear { return 1e-6 + 1e-9 * Double(linear.weight.value.count) }
                return p.module is ReLU ? 1e-6 : 10e-3
            }
        }
    }

    func testPredictionsEqualTheClosedFormAtAnyWidths() throws {
        var rng = RandomGenerator(seed: 3)
        for model in [LeNet5.make(rng: &rng), ResNetSmall.make(width: 8, rng: &rng)] {
            let graph = try DependencyGraph(tracing: model, example: Tensor.zeros([1, 1, 28, 28]))
            let table = try LatencyTable.measure(model, graph: graph, exampleShape: [1, 28, 28],
                                                 measurer: AffineEngine())
            let layers = graph.layers.filter { !$0.normalization }
            XCTAssertEqual(table.entries.count, layers.count)
            XCTAssertEqual(table.engine, "affine")
            let full = Dictionary(uniqueKeysWithValues: graph.groups.map { (ObjectIdentifier($0), $0.channels) })
            XCTAssertEqual(table.callSeconds, 1e-6)
            XCTAssertEqual(table.otherSeconds, 10e-3 - 1e-9 * Double(StructuredPruner.cost(graph, full).macs),
                           accuracy: 1e-12)
            for trial in 0..<5 {
                var widths: [ObjectIdentifier: Int] = [:]
                for g in graph.groups { widths[ObjectIdentifier(g)] = 1 + rng.nextInt(below: g.channels) }
                let macs = Double(StructuredPruner.cost(graph, widths).macs)
                let expected = table.otherSeconds + 1e-9 * macs
                XCTAssertEqual(table.cost(graph, widths: widths), expected, accuracy: 1e-12, "trial \(trial)")
            }
        }
    }

    func testASearchBudgetsThePredictedLatencyAndTheEngineTimesProbes() throws {
        var rng = RandomGenerator(seed: 5)
        let model = LeNet5.make(rng: &rng)
        let graph = try DependencyGraph(tracing: model, example: Tensor.zeros([1, 1, 28, 28]))
        let table = try LatencyTable.measure(model, graph: graph, exampleShape: [1, 28, 28], measurer: AffineEngine())
        let space = try RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: 0.9, cost: table)
        let found = try RatioSearches.make("random", population: 4, generations: 2).run(
            space, seed: 1, score: { -$0.reduce(0, +) }, progress: { _, _ in })
        for c in found.candidates {
            XCTAssertEqual(c.costFraction, space.costFraction(c.ratios))
            XCTAssertTrue((0.88...0.9).contains(c.costFraction), "\(c.costFraction)")
            XCTAssertNotEqual(c.costFraction, c.macsFraction, "latency includes the fixed remainder and per-layer cost")
        }
        let probe = try XCTUnwrap(LayerProbe.of(graph.layers[0], in: model, inputs: 1, outputs: 8))
        XCTAssertEqual(probe.inputShape, [1, 1, 28, 28])
        let times = try EngineLatency(timing: MedianTiming(rounds: 1, minSeconds: 0)).seconds([probe])
        XCTAssertTrue(times[0] > 0 && times[0].isFinite)
    }
}
