import Foundation
import PruneAutodiff
import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// ThiNet, LASSO channel selection and the two refits against an independent NumPy / scikit-learn
/// computation from the papers (`scripts/parity/channel_selection_reference.py`, committed as
/// `Fixtures/channel_selection_reference.json`): there every channel's contribution to every output is
/// materialized and the greedy step, `lasso_path` and the normal equations work on those; here the
/// channel Gram comes from block sums of XᵀX ⊙ WᵀW and the patches from our own window reader.
final class ChannelSelectionParityTests: XCTestCase {
    struct Case: Decodable {
        let input: [Float], inputShape: [Int], weight: [Float], weightShape: [Int]
        let firstChannel: Int, channels: Int, gram: [Double], thinetOrder: [Int]
        let padding: Int?, expansion: Int?
        let lassoEntries: [Int]?, keptChannels: [Int]?, leastSquaresWeight: [Double]?, scaledWeight: [Double]?
    }
    struct Reference: Decodable { let conv: Case, linear: Case }

    func reference() throws -> Reference { try parityFixture("channel_selection_reference") }

    /// The consumer layer, its input, and every patch's Gram under the layer path "consumer".
    func consumer(_ c: Case) throws -> (any PatchwiseLayer, Tensor, CalibrationStatistics) {
        let input = try Tensor(shape: c.inputShape, scalars: c.input)
        let weight = try Tensor(shape: c.weightShape, scalars: c.weight)
        let layer: any PatchwiseLayer = c.weightShape.count == 4
            ? Conv2d(weight: weight, bias: nil, geometry: Conv2dGeometry(kernel: (3, 3), padding: (c.padding!, c.padding!)))
            : Linear(weight: weight, bias: nil)
        let patches = try PatchSampler(perBatch: 10_000, seed: 0).patches(layer, input: input, layerPath: "consumer",
                                                                          batch: 0)
        var gram = PatchGram(features: c.weightShape.dropFirst().reduce(1, *))
        gram.add(rows: patches.rows, patches: patches.values)
        var stats = CalibrationStatistics()
        stats.patchGrams["consumer"] = gram
        return (layer, input, stats)
    }

    func channelGram(_ c: Case) throws -> [Double] {
        let (layer, _, stats) = try consumer(c)
        let view = ChannelGroupView(id: 0, channels: c.channels, producers: [], normalizers: [], consumers: [
            .init(target: PruningTarget(layer: layer, at: "consumer"), firstChannel: c.firstChannel,
                  expansion: c.expansion ?? 1),
        ])
        return try ChannelContributionGram.make(view, statistics: stats, method: "thinet")
    }

    func testChannelGramsAndThiNetOrderMatchTheReference() throws {
        let r = try reference()
        for c in [r.conv, r.linear] {
            let gram = try channelGram(c)
            assertClose(gram, c.gram, relative: 1e-5, "channel Gram")
            XCTAssertEqual(ThiNetSelection.removalOrder(gram: gram, channels: c.channels), c.thinetOrder)
        }
    }

    func testLassoEntryStepsMatchScikitLearn() throws {
        let c = try reference().conv
        let entries = LassoChannelPath().entries(gram: try channelGram(c), channels: c.channels)
        XCTAssertEqual(entries.map { $0?.step ?? -1 }, c.lassoEntries)
        // The weak channel enters last, so it is the first to go.
        XCTAssertEqual(LassoChannelPath().removalOrder(gram: try channelGram(c), channels: c.channels).first, 2)
    }

    /// The kept channels' patches and the dense outputs, summed as the refit sums them.
    func refitProblem(_ c: Case) throws -> RefitProblem {
        let (layer, input, _) = try consumer(c)
        let kept = try XCTUnwrap(c.keptChannels), unit = 9, out = c.weightShape[0], f = c.weight.count / out
        let p = try PatchSampler(perBatch: 10_000, seed: 0).patches(layer, input: input, layerPath: "c", batch: 0)
        let columns = kept.flatMap { ch in (0..<unit).map { ch * unit + $0 } }
        let keptPatches = (0..<p.rows).flatMap { r in columns.map { p.values[r * f + $0] } }
        let keptWeight = (0..<out).flatMap { o in columns.map { c.weight[o * f + $0] } }
        var a = RefitAccumulator(features: columns.count, outputs: out)
        a.add(rows: p.rows, patches: keptPatches,
              targets: RefitAccumulator.outputs(rows: p.rows, patches: p.values, weight: c.weight, out: out))
        return a.problem(weight: keptWeight, unit: unit)
    }

    func testLeastSquaresWeightsAndThiNetScalesMatchTheReference() throws {
        let c = try reference().conv
        let problem = try refitProblem(c)
        let weights = try LeastSquaresWeights().refit(problem, layer: "conv")
        assertClose(weights.map(Double.init), try XCTUnwrap(c.leastSquaresWeight), relative: 2e-3, "least squares")
        let scaled = try ChannelScaling().refit(problem, layer: "conv")
        assertClose(scaled.map(Double.init), try XCTUnwrap(c.scaledWeight), relative: 2e-3, "scales")
        // Both lower the output error of the pruned layer; the full refit lowers it at least as much.
        let before = problem.relativeError(problem.weight)
        XCTAssertLessThan(problem.relativeError(scaled), before)
        XCTAssertLessThanOrEqual(problem.relativeError(weights), problem.relativeError(scaled) + 1e-9)
    }

    func testPatchesReproduceTheConvolutionOutput() throws {
        var rng = RandomGenerator(seed: 5)
        let conv = Conv2d(3, 4, kernel: 3, stride: 2, padding: 1, dilation: 2, rng: &rng)
        let x = Tensor.uniform([2, 3, 9, 8], low: -1, high: 1, using: &rng)
        let y = try conv.forward(Variable(x)).value
        let count = try conv.patchCount(of: x), f = 27
        XCTAssertEqual(count, y.count / 4)
        var patch = [Float](repeating: 0, count: f)
        let w = conv.weight.value.scalars, b = conv.bias!.value.scalars, pixels = y.shape[2] * y.shape[3]
        for p in 0..<count {
            conv.writePatch(p, of: x, into: &patch, at: 0)
            for o in 0..<4 {
                let dot = (0..<f).reduce(Float(0)) { $0 + w[o * f + $1] * patch[$1] } + b[o]
                let n = p / pixels, pixel = p % pixels
                XCTAssertEqual(dot, y.scalars[(n * 4 + o) * pixels + pixel], accuracy: 1e-5)
            }
        }
    }

    func testSamplerIsSeededPerLayerAndBatch() {
        let s = PatchSampler(perBatch: 5, seed: 3)
        XCTAssertEqual(s.positions(count: 4, layerPath: "a", batch: 0), [0, 1, 2, 3])
        let first = s.positions(count: 100, layerPath: "a", batch: 1)
        XCTAssertEqual(first.count, 5)
        XCTAssertEqual(Set(first).count, 5)
        XCTAssertEqual(first, s.positions(count: 100, layerPath: "a", batch: 1))
        XCTAssertNotEqual(first, s.positions(count: 100, layerPath: "a", batch: 2))
        XCTAssertNotEqual(first, s.positions(count: 100, layerPath: "b", batch: 1))
    }

    func testUnknownReconstructionAndUnstructuredUseAreErrors() throws {
        XCTAssertThrowsError(try ChannelReconstructions.named("bogus")) { error in
            XCTAssertTrue("\(error)".contains("weights, scales"), "\(error)")
        }
        var rng = RandomGenerator(seed: 1)
        let target = PruningTarget(layer: Linear(3, 2, rng: &rng), at: "fc")
        XCTAssertThrowsError(try ThiNetImportance().elementScores(target, statistics: .none)) { error in
            XCTAssertTrue("\(error)".contains("--structured"), "\(error)")
        }
        var settings = StructuredSettings()
        settings.reconstruction = "scale"
        XCTAssertThrowsError(try settings.validate())
    }
}
