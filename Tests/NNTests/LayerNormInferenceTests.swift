import XCTest
import Foundation
import PruneTensor
import PruneAutodiff
import PruneNN

/// LayerNorm without autodiff (one fused C pass per row) against the autodiff chain and the
/// definition in Double.
final class LayerNormInferenceTests: XCTestCase {
    func testFusedRowsMatchTheChainAndTheDefinition() throws {
        var rng = RandomGenerator(seed: 12)
        for (rows, n) in [(1, 1), (3, 7), (37, 384), (5, 1000)] {
            let x = Tensor.normal([rows, n], mean: 3, std: 2, using: &rng)
            let layer = LayerNorm([n], epsilon: 1e-5)
            layer.weight.value = Tensor.normal([n], using: &rng)
            layer.bias.value = Tensor.normal([n], using: &rng)
            let chain = try layer.forward(Variable(x, requiresGrad: true)).value
            let fused = try withNoGrad { try layer.forward(Variable(x)) }.value
            XCTAssertEqual(fused.shape, chain.shape)
            let reference = LayerNormReference.rows(x, n: n, gamma: layer.weight.value, beta: layer.bias.value)
            XCTAssertEqual(reference.count, rows * n)
            for (k, expected) in reference.enumerated() {
                XCTAssertEqual(Double(fused.scalars[k]), expected, accuracy: 1e-4 * max(1, abs(expected)))
                XCTAssertEqual(fused.scalars[k], chain.scalars[k], accuracy: 1e-5 * max(1, abs(chain.scalars[k])))
            }
        }
    }
}
