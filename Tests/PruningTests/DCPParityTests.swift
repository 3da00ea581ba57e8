import Foundation
import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// DCP's channel selection against the NumPy reference written from the paper
/// (`scripts/parity/dcp_reference.py`, committed as `Fixtures/dcp_reference.json`): there the consumer's
/// outputs come from an explicit convolution, the averaged outputs from averaging them, and the
/// gradient of the losses as defined is checked by finite differences; here the pooled outputs are mean
/// patches times the weight and the reconstruction term comes from the patch Gram.
final class DCPParityTests: XCTestCase {
    struct Reference: Decodable {
        let input: [Float], inputShape: [Int], weight: [Float], weightShape: [Int], labels: [Int]
        let firstChannel: Int, channels: Int, padding: Int, steps: Int, classifierSteps: Int
        let densePooledOutputs: [Double], classifierWeight: [Double], classifierBias: [Double]
        let gradientAtZero: [Double], lambdas: [Double], selectionOrders: [[Int]], stepSize: Double
    }

    func reference() throws -> Reference { try parityFixture("dcp_reference") }

    /// The group view and the statistics a calibration pass over the reference's input would give.
    func problem(_ r: Reference) throws -> (ChannelGroupView, CalibrationStatistics) {
        let layer = Conv2d(weight: try Tensor(shape: r.weightShape, scalars: r.weight), bias: nil,
                           geometry: Conv2dGeometry(kernel: (3, 3), padding: (r.padding, r.padding)))
        let input = try Tensor(shape: r.inputShape, scalars: r.input)
        let patches = try PatchSampler(perBatch: 1_000_000, seed: 0).patches(layer, input: input,
                                                                             layerPath: "consumer", batch: 0)
        var gram = PatchGram(features: r.weightShape.dropFirst().reduce(1, *))
        gram.add(rows: patches.rows, patches: patches.values)
        var stats = CalibrationStatistics()
        stats.patchGrams["consumer"] = gram
        stats.custom[PooledInputPatches.statisticKey] = ["consumer": try PooledInputPatches.means(layer, input: input)]
        stats.custom[PooledInputPatches.labelKey] = ["labels": r.labels.map(Double.init)]
        let view = ChannelGroupView(id: 0, channels: r.channels, producers: [], normalizers: [], consumers: [
            .init(target: PruningTarget(layer: layer, at: "consumer"), firstChannel: r.firstChannel, expansion: 1),
        ])
        return (view, stats)
    }

    func testClassifierGradientAndStepMatchTheReference() throws {
        let r = try reference()
        let (view, stats) = try problem(r)
        let dcp = DCPImportance(selection: DCPSelection(lambda: r.lambdas[1], steps: r.steps),
                                classifierSteps: r.classifierSteps)
        let term = try dcp.term(view.consumers[0], channels: r.channels, statistics: stats)
        assertClose(term.denseOutputs, r.densePooledOutputs, relative: 1e-5, "averaged dense outputs")
        assertClose(term.classifier.weight, r.classifierWeight, relative: 1e-4, "auxiliary classifier weight")
        assertClose(term.classifier.bias, r.classifierBias, relative: 1e-4, "auxiliary classifier bias")
        let zero = [Double](repeating: 0, count: term.weight.count)
        assertClose(dcp.selection.gradient(term, at: zero, channels: r.channels), r.gradientAtZero, relative: 1e-4,
                    "gradient at W = 0")
        XCTAssertEqual(dcp.selection.stepSize(term, channels: r.channels), r.stepSize, accuracy: 1e-6 * r.stepSize)
    }

    func testSelectionOrdersMatchTheReferenceAndTheLabelChannelRisesWithLambda() throws {
        let r = try reference()
        let (view, stats) = try problem(r)
        for (lambda, want) in zip(r.lambdas, r.selectionOrders) {
            let dcp = DCPImportance(selection: DCPSelection(lambda: lambda, steps: r.steps),
                                    classifierSteps: r.classifierSteps)
            let scores = try XCTUnwrap(dcp.memberChannelScores(view, statistics: stats).first)
            let order = scores.indices.sorted { scores[$0] > scores[$1] }
            XCTAssertEqual(order, want, "λ = \(lambda)")
        }
        // Group channel 3 (input channel 4) is weak but tells class 1 apart: reconstruction alone keeps it
        // last, the discrimination-aware loss at λ = 10 second.
        XCTAssertEqual(r.selectionOrders[0].last, 3)
        XCTAssertEqual(r.selectionOrders[2][1], 3)
    }

    func testDCPRefusesUnstructuredUseAndMissingStatistics() throws {
        let r = try reference()
        let (view, _) = try problem(r)
        XCTAssertThrowsError(try DCPImportance().elementScores(view.consumers[0].target, statistics: .init())) {
            XCTAssertTrue("\($0)".contains("structured"), "\($0)")
        }
        XCTAssertThrowsError(try DCPImportance().memberChannelScores(view, statistics: .init())) {
            XCTAssertTrue("\($0)".contains("no input patches measured for consumer"), "\($0)")
        }
    }
}
