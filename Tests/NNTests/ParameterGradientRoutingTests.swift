import PruneAutodiff
@testable import PruneNN
import PruneTensor
import XCTest

/// The two gradient routes training-time pruning needs: the dense gradient beside the masked one
/// (RigL), and the straight-through update of pruned weights (dynamic network surgery).
final class ParameterGradientRoutingTests: XCTestCase {
    func masked() -> Parameter {
        let p = Parameter(Tensor(unchecked: [4], [1, 2, 3, 4]))
        p.mask = Tensor(unchecked: [4], [1, 0, 1, 0])
        return p
    }

    /// L = Σ c ⊙ w_eff, so ∂L/∂w_eff = c.
    func backward(_ p: Parameter) throws {
        let c = Variable(Tensor(unchecked: [4], [10, 20, 30, 40]))
        try (p.variable() * c).sum().backward()
    }

    func testTheDenseGradientIsRecordedBesideTheMaskedOne() throws {
        let p = masked()
        p.recordsDenseGradient = true
        try backward(p)
        XCTAssertEqual(p.grad?.scalars, [10, 0, 30, 0])
        XCTAssertEqual(p.denseGradient?.scalars, [10, 20, 30, 40])
        try backward(p)
        XCTAssertEqual(p.denseGradient?.scalars, [20, 40, 60, 80], "accumulates like the gradient")
        p.zeroGrad()
        XCTAssertNil(p.denseGradient)
        p.recordsDenseGradient = false
        try backward(p)
        XCTAssertNil(p.denseGradient)
    }

    func testPrunedWeightsTrainStraightThroughWhenAsked() throws {
        let p = masked()
        p.updatesPrunedWeights = true
        try backward(p)
        XCTAssertEqual(p.grad?.scalars, [10, 20, 30, 40])
        let sgd = SGD([p], learningRate: 0.01, momentum: 0)
        sgd.step()
        XCTAssertEqual(p.value.scalars, [0.9, 1.8, 2.7, 3.6], "pruned weights move and are not zeroed")
        XCTAssertEqual(p.effectiveValue.scalars, [0.9, 0, 2.7, 0])
        p.updatesPrunedWeights = false
        sgd.step()
        XCTAssertEqual(p.value.scalars[1], 0, "a normal mask zeroes the pruned weights again")
    }
}
