import XCTest
import PruneTensor
import PruneAutodiff
@testable import PruneNN
import PruneModelIO

final class ModuleTests: XCTestCase {
    func testParameterPathsFollowTheModuleTree() throws {
        var rng = RandomGenerator(seed: 0)
        XCTAssertEqual(LeNet300.make(rng: &rng).parameters().map(\.path),
                       ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"])
        let cnn = LeNet5.make(rng: &rng)
        XCTAssertEqual(cnn.parameters().first?.path, "features.0.weight")
        XCTAssertEqual(cnn.parameterCount, 16 * 25 + 16 + 32 * 16 * 25 + 32 + 1568 * 128 + 128 + 1290)
        let vgg = VGGSmall.make(rng: &rng)
        XCTAssertTrue(vgg.buffers().map(\.path).contains("features.1.running_mean"))
        let res = ResNetSmall.make(rng: &rng)
        XCTAssertTrue(res.parameters().map(\.path).contains("layer2.0.body.0.weight"))
        XCTAssertTrue(res.parameters().map(\.path).contains("layer3.0.shortcut.0.weight"))
    }

    func testEveryModelRunsForwardAndBackward() throws {
        for entry in ModelZoo.entries {
            let m = try ModelZoo.make(entry.name, seed: 1)
            var rng = RandomGenerator(seed: 2)
            let x = Tensor.normal([3, 1, 28, 28], using: &rng)
            let y = try m.forward(Variable(x))
            XCTAssertEqual(y.shape, [3, 10], entry.name)
            try Loss.crossEntropy(y, labels: [0, 1, 2]).backward()
            for (path, p) in m.parameters() { XCTAssertNotNil(p.grad, "\(entry.name): \(path) got no gradient") }
        }
        XCTAssertThrowsError(try ModelZoo.make("alexnet", seed: 0)) { e in XCTAssertTrue(String(describing: e).contains("lenet300")) }
    }

    func testTrainEvalReplaceAndMask() throws {
        var rng = RandomGenerator(seed: 3)
        let m = VGGSmall.make(rng: &rng)
        m.eval()
        XCTAssertTrue(m.namedModules().allSatisfy { !$0.module.isTraining })
        m.train()
        XCTAssertTrue(m.namedModules().allSatisfy { $0.module.isTraining })
        let newHead = Linear(128, 10, rng: &rng)
        try m.replaceModule(at: "classifier.4", with: newHead)
        XCTAssertTrue(try m.module(at: "classifier.4") === newHead)
        XCTAssertThrowsError(try m.replaceModule(at: "classifier.9", with: newHead))
        XCTAssertThrowsError(try m.parameter(at: "nope.weight"))
        var mask = Tensor.ones([10, 128]); mask.scalars[5] = 0
        try m.setMask(mask, at: "classifier.4.weight")
        XCTAssertThrowsError(try m.setMask(.ones([2]), at: "classifier.4.weight"))
        XCTAssertEqual(try m.stateDict()["classifier.4.weight"]!.scalars[5], 0)
    }

    func testMaskedWeightsStayZeroThroughOptimizerSteps() throws {
        for makeOpt in [{ (p: [Parameter]) -> any Optimizer in SGD(p, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3) },
                        { (p: [Parameter]) -> any Optimizer in Adam(p, learningRate: 0.01) },
                        { (p: [Parameter]) -> any Optimizer in Adam.adamW(p, learningRate: 0.01) }] {
            var rng = RandomGenerator(seed: 4)
            let layer = Linear(8, 4, rng: &rng)
            let mask = Tensor.uniform([4, 8], using: &rng).map { $0 < 0.5 ? 0 : 1 }
            layer.weight.mask = mask
            let opt = makeOpt(layer.ownParameters.map(\.parameter))
            for _ in 0..<5 {
                opt.zeroGrad()
                try layer.forward(Variable(.normal([16, 8], using: &rng))).square().sum().backward()
                XCTAssertTrue(zip(layer.weight.grad!.scalars, mask.scalars).allSatisfy { $1 != 0 || $0 == 0 })
                opt.step()
            }
            XCTAssertTrue(zip(layer.weight.value.scalars, mask.scalars).allSatisfy { $1 != 0 || $0 == 0 })
            layer.weight.bake()
            XCTAssertNil(layer.weight.mask)
            XCTAssertEqual(layer.weight.value.scalars.filter { $0 == 0 }.count, mask.scalars.filter { $0 == 0 }.count)
        }
    }

    func testBatchNormTracksRunningStatisticsLikePyTorch() throws {
        let bn = BatchNorm(2, momentum: 0.1)
        let x = try Tensor(shape: [4, 2], scalars: [1, 10, 2, 20, 3, 30, 4, 40])
        _ = try bn.forward(Variable(x))
        // mean [2.5, 25]; unbiased variance [1.6667, 166.67]
        XCTAssertEqual(bn.runningMean.value.scalars[0], 0.25, accuracy: 1e-5)
        XCTAssertEqual(bn.runningMean.value.scalars[1], 2.5, accuracy: 1e-5)
        XCTAssertEqual(bn.runningVar.value.scalars[0], 0.9 + 0.1 * 5.0 / 3.0, accuracy: 1e-5)
        bn.eval()
        let y = try bn.forward(Variable(x))
        XCTAssertEqual(y.value[0, 0], (1 - 0.25) / (bn.runningVar.value.scalars[0] + 1e-5).squareRoot(), accuracy: 1e-5)
    }

    func testOptimizersFollowTheirUpdateRules() throws {
        let p = Parameter(Tensor([1.0]))
        let sgd = SGD([p], learningRate: 0.1, momentum: 0.9)
        p.grad = Tensor([2]); sgd.step()               // v = 2, w = 1 - 0.2
        XCTAssertEqual(p.value.scalars[0], 0.8, accuracy: 1e-6)
        p.grad = Tensor([2]); sgd.step()               // v = 0.9·2 + 2 = 3.8, w = 0.8 - 0.38
        XCTAssertEqual(p.value.scalars[0], 0.42, accuracy: 1e-6)
        let q = Parameter(Tensor([1.0]))
        let nest = SGD([q], learningRate: 0.1, momentum: 0.9, nesterov: true)
        q.grad = Tensor([2]); nest.step()              // v = 2, update = 2 + 0.9·2 = 3.8
        XCTAssertEqual(q.value.scalars[0], 1 - 0.38, accuracy: 1e-6)
        let r = Parameter(Tensor([1.0]))
        let adam = Adam([r], learningRate: 0.01)
        r.grad = Tensor([5]); adam.step()              // first bias-corrected step is lr·sign(g)
        XCTAssertEqual(r.value.scalars[0], 0.99, accuracy: 1e-5)
        let s = Parameter(Tensor([1.0]))
        let adamw = Adam.adamW([s], learningRate: 0.01, weightDecay: 0.1)
        s.grad = Tensor([0]); adamw.step()             // only the decoupled decay acts: w·(1 − lr·λ)
        XCTAssertEqual(s.value.scalars[0], 1 - 0.001, accuracy: 1e-6)
        let a = Parameter(Tensor([3, 4])); a.grad = Tensor([3, 4])
        XCTAssertEqual(clipGradientNorm([a], maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertEqual(try a.grad!.l2Norm().item, 1, accuracy: 1e-4)
    }

    func testAParametersLearningRateScaleMultipliesItsSteps() {
        let (p, q) = (Parameter(Tensor([1.0])), Parameter(Tensor([1.0])))
        q.learningRateScale = 10
        let sgd = SGD([p, q], learningRate: 0.01, momentum: 0.9)
        p.grad = Tensor([2]); q.grad = Tensor([2]); sgd.step()      // 1 − 0.01·2 and 1 − 0.1·2
        XCTAssertEqual(p.value.scalars[0], 0.98, accuracy: 1e-6)
        XCTAssertEqual(q.value.scalars[0], 0.8, accuracy: 1e-6)
        let (r, s) = (Parameter(Tensor([1.0])), Parameter(Tensor([1.0])))
        s.learningRateScale = 3
        let adam = Adam([r, s], learningRate: 0.01)
        r.grad = Tensor([5]); s.grad = Tensor([5]); adam.step()     // lr·sign(g), ×3 for s
        XCTAssertEqual(r.value.scalars[0], 0.99, accuracy: 1e-5)
        XCTAssertEqual(s.value.scalars[0], 0.97, accuracy: 1e-5)
    }

    func testSchedulesAndLosses() throws {
        XCTAssertEqual(StepLR(base: 1, stepSize: 10, gamma: 0.5).learningRate(atStep: 25), 0.25)
        let cos = CosineLR(base: 1, totalSteps: 100)
        XCTAssertEqual(cos.learningRate(atStep: 0), 1, accuracy: 1e-6)
        XCTAssertEqual(cos.learningRate(atStep: 50), 0.5, accuracy: 1e-6)
        XCTAssertEqual(cos.learningRate(atStep: 100), 0, accuracy: 1e-6)
        let warm = LinearWarmup(warmupSteps: 4, then: ConstantLR(1))
        XCTAssertEqual((0..<5).map { warm.learningRate(atStep: $0) }, [0.25, 0.5, 0.75, 1, 1])
        var rng = RandomGenerator(seed: 5)
        let logits = Tensor.normal([4, 6], using: &rng)
        XCTAssertEqual(try Loss.distillation(student: Variable(logits), teacher: logits, temperature: 3).value.item, 0, accuracy: 1e-6)
        XCTAssertGreaterThan(try Loss.distillation(student: Variable(logits * 2), teacher: logits).value.item, 0)
        XCTAssertThrowsError(try Loss.crossEntropy(Variable(logits), labels: [0, 1, 2, 6])) { e in
            XCTAssertTrue(String(describing: e).contains("label 6"))
        }
        XCTAssertEqual(try Loss.meanSquaredError(Variable(Tensor([1, 2])), Variable(Tensor([3, 2]))).value.item, 2)
    }
}
