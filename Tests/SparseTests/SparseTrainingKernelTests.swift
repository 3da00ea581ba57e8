import PruneAutodiff
import PruneNN
@testable import PruneSparse
import PruneTensor
import XCTest

/// The sparse-training kernel against the dense masked product it replaces: outputs and all three
/// gradients, and the cases where it must decline.
final class SparseTrainingKernelTests: XCTestCase {
    func layer(density: Double, seed: UInt64, inFeatures: Int = 70, outFeatures: Int = 45) -> Linear {
        var rng = RandomGenerator(seed: seed)
        let l = Linear(inFeatures, outFeatures, rng: &rng)
        let mask = (0..<(inFeatures * outFeatures)).map { _ -> Float in
            Double.random(in: 0..<1, using: &rng) < density ? 1 : 0
        }
        l.weight.mask = Tensor(unchecked: [outFeatures, inFeatures], mask)
        return l
    }

    /// Output, input gradient, weight gradient and bias gradient of L = Σ c ⊙ layer(x).
    func run(_ l: Linear, _ x: Tensor, _ c: Tensor) throws -> [Tensor] {
        l.zeroGrad()
        let xv = Variable(x, requiresGrad: true)
        let y = try l.forward(xv)
        try (y * Variable(c)).sum().backward()
        return [y.value, xv.grad!, l.weight.grad!, l.bias!.grad!]
    }

    func testOutputsAndGradientsMatchTheDenseMaskedProduct() throws {
        for (density, batch) in [(0.05, 37), (0.1, 64), (0.02, 3)] {
            let l = layer(density: density, seed: 1)
            var rng = RandomGenerator(seed: 2)
            let x = Tensor.normal([batch, 70], using: &rng), c = Tensor.normal([batch, 45], using: &rng)
            let dense = try run(l, x, c)
            l.kernel = SparseTrainingKernel()
            let sparse = try run(l, x, c)
            let names = ["output", "input gradient", "weight gradient", "bias gradient"]
            for (name, (a, b)) in zip(names, zip(dense, sparse)) {
                XCTAssertEqual(a.shape, b.shape, name)
                for (u, v) in zip(a.scalars, b.scalars) { XCTAssertEqual(u, v, accuracy: 1e-4 * max(1, abs(u)), name) }
            }
            let mask = l.weight.mask!.scalars
            XCTAssertTrue(zip(sparse[2].scalars, mask).allSatisfy { $1 != 0 || $0 == 0 }, "no gradient off the mask")
        }
    }

    func testItDeclinesWhereTheDenseProductIsNeeded() throws {
        let l = layer(density: 0.05, seed: 3)
        let kernel = SparseTrainingKernel()
        var rng = RandomGenerator(seed: 4)
        let x = Variable(Tensor.normal([8, 70], using: &rng))
        XCTAssertNotNil(try kernel.forward(x, layer: l))
        l.weight.recordsDenseGradient = true
        XCTAssertNil(try kernel.forward(x, layer: l), "RigL's update step needs the dense gradient")
        l.weight.recordsDenseGradient = false
        l.weight.updatesPrunedWeights = true
        XCTAssertNil(try kernel.forward(x, layer: l), "DNS trains the pruned weights")
        l.weight.updatesPrunedWeights = false
        XCTAssertNil(try kernel.forward(x, layer: layer(density: 0.5, seed: 5)), "too dense")
        l.weight.mask = nil
        XCTAssertNil(try kernel.forward(x, layer: l), "no mask")
    }

    func testANewMaskIsPickedUp() throws {
        let l = layer(density: 0.05, seed: 6)
        l.kernel = SparseTrainingKernel()
        var rng = RandomGenerator(seed: 7)
        let x = Tensor.normal([16, 70], using: &rng), c = Tensor.normal([16, 45], using: &rng)
        _ = try run(l, x, c)
        var mask = l.weight.mask!.scalars
        for i in 0..<70 { mask[i] = 1 - mask[i] }
        l.weight.mask = Tensor(unchecked: [45, 70], mask)
        let sparse = try run(l, x, c)
        l.kernel = nil
        let dense = try run(l, x, c)
        for (u, v) in zip(dense[0].scalars, sparse[0].scalars) { XCTAssertEqual(u, v, accuracy: 1e-4 * max(1, abs(u))) }
    }
}
