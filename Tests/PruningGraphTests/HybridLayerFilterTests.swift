import PruneAutodiff
import PruneNN
import PrunePruning
import PrunePruningGraph
import PruneTensor
import XCTest

/// Linear CKA against its kernel (example-space) form, and the hybrid layer-vs-filter choice on a
/// small residual network whose block is made useless or vital.
final class HybridLayerFilterTests: XCTestCase {
    /// CKA by the HSIC of the n × n Gram matrices: tr(KHLH) / √(tr(KHKH)·tr(LHLH)), H = I − 11ᵀ/n.
    func kernelCKA(_ x: [Double], _ y: [Double], n: Int, p: Int, q: Int) -> Double {
        func gram(_ a: [Double], _ d: Int) -> [Double] {
            var k = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n { k[i * n + j] = (0..<d).reduce(0) { $0 + a[i * d + $1] * a[j * d + $1] } }
            }
            var rowMean = [Double](repeating: 0, count: n), total = 0.0
            for i in 0..<n { for j in 0..<n { rowMean[i] += k[i * n + j] / Double(n); total += k[i * n + j] } }
            total /= Double(n * n)
            for i in 0..<n { for j in 0..<n { k[i * n + j] += total - rowMean[i] - rowMean[j] } }
            return k
        }
        let k = gram(x, p), l = gram(y, q)
        let kl = zip(k, l).reduce(0) { $0 + $1.0 * $1.1 }
        let kk = k.reduce(0) { $0 + $1 * $1 }, ll = l.reduce(0) { $0 + $1 * $1 }
        return kl / (kk * ll).squareRoot()
    }

    func testLinearCKAEqualsTheKernelFormAndIsInvariant() throws {
        var rng = RandomGenerator(seed: 3)
        let n = 9, p = 4, q = 6
        let x = (0..<n * p).map { _ in Double(rng.nextNormal()) }
        let y = (0..<n * q).map { _ in Double(rng.nextNormal()) }
        let cka = CenteredKernelAlignment.linear(x, y, rows: n, xColumns: p, yColumns: q)
        XCTAssertEqual(cka, kernelCKA(x, y, n: n, p: p, q: q), accuracy: 1e-12)
        XCTAssertEqual(CenteredKernelAlignment.linear(x, x, rows: n, xColumns: p, yColumns: p), 1, accuracy: 1e-12)
        // A rotation in the first two columns, a scale of 3 and a shift leave it at 1.
        let (c, s) = (0.6, 0.8)
        var z = x
        for i in 0..<n {
            let a = x[i * p], b = x[i * p + 1]
            z[i * p] = 3 * (c * a - s * b) + 5; z[i * p + 1] = 3 * (s * a + c * b); z[i * p + 2] *= 3; z[i * p + 3] *= 3
        }
        XCTAssertEqual(CenteredKernelAlignment.linear(x, z, rows: n, xColumns: p, yColumns: p), 1, accuracy: 1e-12)
    }

    /// stem conv (1 → 8) + ReLU, a residual block of two 8 → 8 convolutions (weights and biases scaled by
    /// `bodyScale`),
    /// global average pooling, Linear (8 → 3).
    func model(bodyScale: Float) throws -> Sequential {
        var rng = RandomGenerator(seed: 5)
        let c1 = Conv2d(8, 8, kernel: 3, padding: 1, rng: &rng), c2 = Conv2d(8, 8, kernel: 3, padding: 1, rng: &rng)
        for conv in [c1, c2] {
            conv.weight.value = try conv.weight.value * Tensor(bodyScale)
            if let b = conv.bias { b.value = try b.value * Tensor(bodyScale) }
        }
        return Sequential(named: [
            ("stem", Conv2d(1, 8, kernel: 3, padding: 1, rng: &rng)), ("relu", ReLU()),
            ("block", Residual(body: Sequential(named: [("conv1", c1), ("relu", ReLU()), ("conv2", c2)]))),
            ("pool", GlobalAvgPool2d()), ("fc", Linear(8, 3, rng: &rng)),
        ])
    }

    func run(bodyScale: Float, keep: Double) throws -> [HybridLayerFilterPruning.Step] {
        var rng = RandomGenerator(seed: 8)
        let probe = Tensor.uniform([32, 1, 6, 6], low: -1, high: 1, using: &rng)
        let hybrid = try HybridLayerFilterPruning(filters: StructuredPruner(target: .flops(1)), keep: keep)
        let steps = try hybrid.search(reload: { try self.model(bodyScale: bodyScale) },
                                      example: Tensor.zeros([1, 1, 6, 6]), probe: probe)
        // Replaying the chosen actions on a fresh model reaches the last step's MACs, at most the target.
        let fresh = try model(bodyScale: bodyScale)
        try hybrid.apply(steps.map(\.action), to: fresh, example: Tensor.zeros([1, 1, 6, 6]))
        let dense = try PruningReport.measure(try model(bodyScale: bodyScale), scopePaths: [], inputShape: [1, 6, 6])
        let after = try PruningReport.measure(fresh, scopePaths: [], inputShape: [1, 6, 6])
        XCTAssertEqual(Double(after.macs) / Double(dense.macs), try XCTUnwrap(steps.last).macsLeft, accuracy: 1e-12)
        XCTAssertLessThanOrEqual(try XCTUnwrap(steps.last).macsLeft, keep + 1e-9)
        return steps
    }

    func testANearlySilentBlockIsRemovedAndAVitalOneIsKept() throws {
        let silent = try run(bodyScale: 1e-4, keep: 0.5)
        XCTAssertEqual(silent.first?.action.removed, "block", "a block adding ~nothing goes first")
        XCTAssertGreaterThan(try XCTUnwrap(silent.first).cka, 0.999)
        let vital = try run(bodyScale: 3, keep: 0.8)
        XCTAssertTrue(vital.allSatisfy { $0.action.removed != "block" }, "\(vital.map(\.action.description))")
        XCTAssertEqual(vital.first?.candidates, 4, "the block, its two square convolutions and a filter step")
    }

    func testDataCriteriaAndBadTargetsAreRefused() throws {
        XCTAssertThrowsError(try HybridLayerFilterPruning(filters: StructuredPruner(criterion: TaylorImportance(),
                                                                                    target: .flops(1)), keep: 0.5)) {
            XCTAssertTrue("\($0)".contains("weights"), "\($0)")
        }
        XCTAssertThrowsError(try HybridLayerFilterPruning(filters: StructuredPruner(target: .flops(1)), keep: 1.2))
    }

    /// VGG-small's two square "same" convolutions are its removable layers; removing one (and its BatchNorm)
    /// gives the outputs of the model with those two modules left out, computed here independently.
    func testShapePreservingLayersOfAVGGAreFoundAndRemovedWithTheirBatchNorm() throws {
        var rng = RandomGenerator(seed: 2)
        let model = VGGSmall.make(width: 4, rng: &rng)
        XCTAssertEqual(ShapePreservingLayerRemoval.candidates(model), ["features.3", "features.10"])
        model.eval()
        let features = try XCTUnwrap(try model.module(at: "features") as? Sequential)
        let kept = features.layers.enumerated().filter { ![3, 4].contains($0.offset) }.map(\.element.module)
        let classifier = try model.module(at: "classifier")
        let x = Tensor.uniform([3, 1, 28, 28], using: &rng)
        let expected = try withNoGrad { try classifier.forward(try Sequential(kept).forward(Variable(x))) }.value
        XCTAssertTrue(try ShapePreservingLayerRemoval.removeLayer(at: "features.3", from: model))
        let after = try withNoGrad { try model.forward(Variable(x)) }.value
        XCTAssertEqual(after.scalars, expected.scalars)
        XCTAssertEqual(ShapePreservingLayerRemoval.candidates(model), ["features.10"])
        XCTAssertFalse(try ShapePreservingLayerRemoval.removeLayer(at: "features.7", from: model), "1 → 4 channels")
        // Stride 2, unpadded and the model's last (square) layer are not removable.
        let other = Sequential([Conv2d(4, 4, kernel: 3, stride: 2, padding: 1, rng: &rng),
                                Conv2d(4, 4, kernel: 3, rng: &rng), Flatten(), Linear(4, 4, rng: &rng),
                                Linear(4, 4, rng: &rng)])
        XCTAssertEqual(ShapePreservingLayerRemoval.candidates(other), ["3"])
    }

    /// A plain stack (no shortcut) whose middle convolution is nearly the identity: the CKA choice removes
    /// that layer first; made vital, filters go instead.
    func testANearIdentityPlainLayerIsRemovedAndAVitalOneIsKept() throws {
        func plain(_ vital: Bool) -> Sequential {
            var rng = RandomGenerator(seed: 7)
            let middle = Conv2d(6, 6, kernel: 3, padding: 1, bias: false, rng: &rng)
            if !vital {
                middle.weight.value = Tensor(unchecked: [6, 6, 3, 3], (0..<324).map { i in
                    i / 54 == (i / 9) % 6 && i % 9 == 4 ? 1 : 0 })
            } else {
                middle.weight.value = (try? middle.weight.value * Tensor(Float(4))) ?? middle.weight.value
            }
            return Sequential(named: [("c1", Conv2d(1, 6, kernel: 3, padding: 1, rng: &rng)), ("r1", ReLU()),
                                      ("c2", middle), ("r2", ReLU()), ("pool", GlobalAvgPool2d()),
                                      ("fc", Linear(6, 3, rng: &rng))])
        }
        var rng = RandomGenerator(seed: 8)
        let probe = Tensor.uniform([32, 1, 6, 6], low: -1, high: 1, using: &rng)
        for vital in [false, true] {
            let hybrid = try HybridLayerFilterPruning(filters: StructuredPruner(target: .flops(1)), keep: 0.6)
            let steps = try hybrid.search(reload: { plain(vital) }, example: Tensor.zeros([1, 1, 6, 6]), probe: probe)
            if vital {
                XCTAssertTrue(steps.allSatisfy { $0.action.removed == nil }, "\(steps.map(\.action.description))")
            } else {
                XCTAssertEqual(steps.first?.action.removed, "c2")
                XCTAssertEqual(try XCTUnwrap(steps.first).cka, 1, accuracy: 1e-9, "ReLU(identity(ReLU(x))) = ReLU(x)")
            }
        }
    }
}
