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
            for r in 0..<rows {
                let row = (0..<n).map { Double(x.scalars[r * n + $0]) }
                let mean = row.reduce(0, +) / Double(n)
                let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
                for j in 0..<n {
                    let expected = (row[j] - mean) / (variance + 1e-5).squareRoot()
                        * Double(layer.weight.value.scalars[j]) + Double(layer.bias.value.scalars[j])
                    XCTAssertEqual(Double(fused.scalars[r * n + j]), expected, accuracy: 1e-4 * max(1, abs(expected)))
                    XCTAssertEqual(fused.scalars[r * n + j], chain.scalars[r * n + j],
                                   accuracy: 1e-5 * max(1, abs(chain.scalars[r * n + j])))
                }
            }
        }
    }
}
