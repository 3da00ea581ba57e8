import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// The energy estimate against its definition worked out by hand for a convolution and two Linear layers
/// (Eyeriss costs: MAC 1 + 3 register-file accesses, DRAM 200 + global buffer 6 per value moved).
final class EnergyModelTests: XCTestCase {
    func testTheEstimateFollowsItsDefinition() throws {
        var rng = RandomGenerator(seed: 2)
        let model = Sequential(named: [("conv", Conv2d(2, 3, kernel: 3, rng: &rng)), ("flat", Flatten()),
                                       ("fc1", Linear(3 * 4 * 4, 5, rng: &rng)), ("relu", ReLU()),
                                       ("fc2", Linear(5, 4, rng: &rng))])
        // Zero 10 weights of fc1 and 3 of the convolution.
        let fc1 = try model.parameter(at: "fc1.weight"), conv = try model.parameter(at: "conv.weight")
        var w = fc1.value.scalars; for i in 0..<10 { w[i * 4] = 0 }
        fc1.value = try Tensor(shape: fc1.value.shape, scalars: w)
        var c = conv.value.scalars; for i in 0..<3 { c[i * 7] = 0 }
        conv.value = try Tensor(shape: conv.value.shape, scalars: c)
        let report = try PruningReport.measure(model, scopePaths: [], inputShape: [2, 6, 6])
        let byPath = Dictionary(uniqueKeysWithValues: report.layers.map { ($0.path, $0) })
        // conv: input 2×6×6 = 72, output 3×4×4 = 48 at 16 positions; fc1: 48 → 5; fc2: 5 → 4.
        XCTAssertEqual(byPath["conv.weight"]?.inputElements, 72)
        XCTAssertEqual(byPath["conv.weight"]?.outputElements, 48)
        XCTAssertEqual(byPath["fc1.weight"]?.inputElements, 48)
        XCTAssertEqual(byPath["fc2.weight"]?.outputElements, 4)
        let nonzeroMACs = Double((54 - 3) * 16 + (240 - 10) + 20), weights = Double((54 - 3) + (240 - 10) + 20)
        let activations = Double(72 + 48 + 48 + 5 + 5 + 4)
        let e = try XCTUnwrap(report.energy)
        XCTAssertEqual(e.computation, nonzeroMACs * 4)
        XCTAssertEqual(e.weights, weights * 206)
        XCTAssertEqual(e.activations, activations * 206)
        let d = try XCTUnwrap(report.denseEnergy)
        XCTAssertEqual(d.computation, Double(54 * 16 + 240 + 20) * 4)
        XCTAssertEqual(d.weights, Double(54 + 240 + 20) * 206)
        XCTAssertEqual(d.activations, e.activations, "masks do not shrink the activations")
        XCTAssertTrue(report.table().contains("energy estimate"))
    }
}
