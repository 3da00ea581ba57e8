import PruneAutodiff
import PruneModelIO
import PruneNN
import PrunePruning
@testable import PrunePruningGraph
import PruneTensor
import XCTest

final class DependencyGraphTests: XCTestCase {
    func input(_ n: Int = 2, seed: UInt64 = 5) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.normal([n, 1, 28, 28], using: &rng)
    }

    func logits(_ m: any Module, _ x: Tensor) throws -> [Float] {
        m.eval()
        return try withNoGrad { try m.forward(Variable(x)).value.scalars }
    }

    func testLeNet5GroupsAndExactRemovalOfDeadChannels() throws {
        let m = try ModelZoo.make("lenet5", seed: 0)
        let graph = try DependencyGraph(tracing: m, example: input(1))
        XCTAssertEqual(graph.groups.count, 3)
        let flat = try XCTUnwrap(graph.groups.first { $0.consumers.contains { $0.path == "classifier.1" } })
        XCTAssertEqual(flat.consumers.first?.expansion, 49, "32 channels × 7 × 7 flatten into the first Linear")
        // Kill channels 3 and 7 of conv1 and 5 of conv2 (weights and bias zero → ReLU output zero): removing them is exact.
        let conv1 = try XCTUnwrap(m.module(at: "features.0") as? Conv2d), conv2 = try XCTUnwrap(m.module(at: "features.3") as? Conv2d)
        for (conv, dead) in [(conv1, [3, 7]), (conv2, [5])] {
            var w = conv.weight.value, b = conv.bias!.value
            let d = w.scalars.count / w.shape[0]
            for c in dead { for k in 0..<d { w.scalars[c * d + k] = 0 }; b.scalars[c] = 0 }
            conv.weight.value = w; conv.bias!.value = b
        }
        let x = input()
        let before = try logits(m, x)
        let result = try StructuredPruner(criterion: MagnitudeImportance(norm: .l1), target: .channelRatio(0.001), minimumKept: 0.1).prune(m, example: input(1))
        XCTAssertEqual(result.macsAfter, result.macsBefore, "a 0.1% ratio removes nothing")
        // Remove exactly the dead channels by keeping the rest.
        let g1 = graph.groups.first { $0.producers.contains { $0.path == "features.0" } }!
        try g1.apply(keeping: (0..<16).filter { ![3, 7].contains($0) })
        let g2 = graph.groups.first { $0.producers.contains { $0.path == "features.3" } }!
        try g2.apply(keeping: (0..<32).filter { $0 != 5 })
        XCTAssertEqual(conv1.weight.value.shape, [14, 1, 5, 5])
        XCTAssertEqual(conv2.weight.value.shape, [31, 14, 5, 5])
        XCTAssertEqual((try m.module(at: "classifier.1") as? Linear)?.weight.value.shape, [128, 31 * 49])
        let after = try logits(m, x)
        for (a, b) in zip(before, after) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    func testFlopsTargetShrinksTheModelPhysically() throws {
        for name in ["lenet5", "vgg-small"] {
            let m = try ModelZoo.make(name, seed: 0)
            let params = m.parameterCount
            let r = try StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .flops(0.5)).prune(m, example: input(1))
            XCTAssertLessThanOrEqual(Double(r.macsAfter), 0.5 * Double(r.macsBefore), name)
            XCTAssertLessThan(m.parameterCount, params, name)
            XCTAssertEqual(try logits(m, input()).count, 2 * 10, name)
            // The cost model agrees with a count from the pruned layers' real shapes.
            let g = try DependencyGraph(tracing: m, example: input(1))
            let recount = StructuredPruner.cost(g, Dictionary(uniqueKeysWithValues: g.groups.map { (ObjectIdentifier($0), $0.channels) }))
            XCTAssertEqual(recount.macs, r.macsAfter, name)
        }
    }

    func testResidualAdditionsCoupleChannels() throws {
        let m = try ModelZoo.make("resnet-small", seed: 0)
        let graph = try DependencyGraph(tracing: m, example: input(1))
        // The stem and the first stage's block share channels through the identity shortcut.
        let stem = try XCTUnwrap(graph.groups.first { $0.producers.contains { $0.path == "stem.0" } })
        XCTAssertTrue(stem.producers.contains { $0.path == "layer1.0.body.3" }, "\(stem.members.map(\.path))")
        XCTAssertTrue(stem.consumers.contains { $0.path == "layer2.0.shortcut.0" })
        XCTAssertTrue(stem.followers.contains { $0.path == "layer1.0.body.4" })
        // Zero a coupled channel everywhere it is produced (BatchNorm γ = β = 0): removing it is exact.
        for f in stem.followers {
            guard let bn = f.layer as? BatchNorm else { continue }
            var g = bn.weight.value, b = bn.bias.value
            g.scalars[4] = 0; b.scalars[4] = 0
            bn.weight.value = g; bn.bias.value = b
        }
        let x = input()
        let before = try logits(m, x)
        try stem.apply(keeping: (0..<16).filter { $0 != 4 })
        let after = try logits(m, x)
        for (a, b) in zip(before, after) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        XCTAssertEqual((try m.module(at: "layer2.0.shortcut.0") as? Conv2d)?.weight.value.shape, [32, 15, 1, 1])
        // Pruning the whole network by BatchNorm scale keeps it consistent.
        let r = try StructuredPruner(criterion: BatchNormScaleImportance(), target: .parameters(0.5)).prune(m, example: input(1))
        XCTAssertLessThanOrEqual(Double(r.parametersAfter), 0.5 * Double(r.parametersBefore))
        XCTAssertEqual(try logits(m, x).count, 20)
    }

    func testSavedStructuredModelLoadsBackAndUnknownLayersAreNamed() throws {
        let m = try ModelZoo.make("lenet5", seed: 0)
        _ = try StructuredPruner(criterion: FPGMImportance(), target: .channelRatio(0.5)).prune(m, example: input(1))
        let state = m.stateDict()
        let fresh = try ModelZoo.make("lenet5", seed: 1)
        XCTAssertThrowsError(try fresh.load(state))
        try ShapeAdaptation.adapt(fresh, to: state.tensors.mapValues(\.shape))
        try fresh.load(state)
        let x = input()
        XCTAssertEqual(try logits(fresh, x), try logits(m, x))

        final class Odd: Module {
            var isTraining = true
            func forward(_ x: Variable) throws -> Variable { x }
            var summary: String { "Odd" }
        }
        var rng = RandomGenerator(seed: 0)
        let weird = Sequential(named: [("fc", Linear(784, 10, rng: &rng)), ("odd", Odd())])
        XCTAssertThrowsError(try DependencyGraph(tracing: Sequential(named: [("flat", Flatten()), ("net", weird)]), example: input(1))) { e in
            XCTAssertTrue("\(e)".contains("net.odd") && "\(e)".contains("Odd"), "\(e)")
        }
    }
}

final class ResidualBlockRemovalTests: XCTestCase {
    func testRemovesTheWeakestIdentityBlocks() throws {
        var rng = RandomGenerator(seed: 3)
        let m = ResNetSmall.make(blocksPerStage: 2, rng: &rng)
        let x = Tensor.normal([2, 1, 28, 28], using: &rng)
        let candidates = try ResidualBlockRemoval.candidates(m, inputs: x)
        // Identity shortcuts: both blocks of stage 1, and the second block of stages 2 and 3.
        XCTAssertEqual(Set(candidates.map(\.path)), ["layer1.0", "layer1.1", "layer2.1", "layer3.1"])
        // Silence one block's body (last BatchNorm γ = β = 0): its contribution is 0, it goes first, and removing it is exact.
        let bn = try XCTUnwrap(m.module(at: "layer2.1.body.4") as? BatchNorm)
        bn.weight.value = Tensor.zeros(bn.weight.shape); bn.bias.value = Tensor.zeros(bn.bias.shape)
        m.eval()
        let before = try withNoGrad { try m.forward(Variable(x)).value.scalars }
        let removed = try ResidualBlockRemoval.remove(1, from: m, inputs: x)
        XCTAssertEqual(removed, ["layer2.1"])
        let after = try withNoGrad { try m.forward(Variable(x)).value.scalars }
        for (a, b) in zip(before, after) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        XCTAssertFalse(m.parameters().contains { $0.path.hasPrefix("layer2.1.") })
        XCTAssertThrowsError(try ResidualBlockRemoval.remove(9, from: m, inputs: x))
    }
}

final class BlockRemovalPersistenceTests: XCTestCase {
    func testAModelWithoutABlockLoadsBack() throws {
        var rng = RandomGenerator(seed: 4)
        let m = ResNetSmall.make(blocksPerStage: 2, rng: &rng)
        let x = Tensor.normal([1, 1, 28, 28], using: &rng)
        try ResidualBlockRemoval.remove(2, from: m, inputs: x)
        _ = try StructuredPruner(target: .channelRatio(0.25)).prune(m, example: x)
        let state = m.stateDict()
        var rng2 = RandomGenerator(seed: 9)
        let fresh = ResNetSmall.make(blocksPerStage: 2, rng: &rng2)
        try ShapeAdaptation.adapt(fresh, to: state.tensors.mapValues(\.shape))
        try fresh.load(state)
        m.eval(); fresh.eval()
        let a = try withNoGrad { try m.forward(Variable(x)).value }, b = try withNoGrad { try fresh.forward(Variable(x)).value }
        XCTAssertEqual(a, b)
    }
}

final class ConcatenationTests: XCTestCase {
    /// Two convolution branches concatenated, then a convolution and a flatten into a Linear: each
    /// branch is its own group, and the consumers' input indices follow the concatenation's layout.
    func testConcatenationMapsIndicesPerBranch() throws {
        var rng = RandomGenerator(seed: 6)
        let m = Sequential(named: [
            ("stem", Conv2d(1, 4, kernel: 3, padding: 1, rng: &rng)), ("relu", ReLU()),
            ("mix", Concatenate([Sequential([Conv2d(4, 6, kernel: 3, padding: 1, rng: &rng), ReLU()]),
                                 Sequential([Conv2d(4, 5, kernel: 1, rng: &rng), ReLU()])])),
            ("pool", MaxPool2d(kernel: 4)), ("flat", Flatten()), ("fc", Linear(11 * 7 * 7, 10, rng: &rng)),
        ])
        let x = Tensor.normal([2, 1, 28, 28], using: &rng)
        let graph = try DependencyGraph(tracing: m, example: x)
        let a = try XCTUnwrap(graph.groups.first { $0.producers.contains { $0.path == "mix.0.0" } })
        let b = try XCTUnwrap(graph.groups.first { $0.producers.contains { $0.path == "mix.1.0" } })
        XCTAssertEqual(a.consumers.first?.expansion, 49)
        // Silence channel 2 of branch a and channel 4 of branch b; removing them must not change the output.
        for (path, c) in [("mix.0.0", 2), ("mix.1.0", 4)] {
            let conv = try XCTUnwrap(m.module(at: path) as? Conv2d)
            var w = conv.weight.value, bias = conv.bias!.value
            let d = w.scalars.count / w.shape[0]
            for k in 0..<d { w.scalars[c * d + k] = 0 }
            bias.scalars[c] = 0
            conv.weight.value = w; conv.bias!.value = bias
        }
        m.eval()
        let before = try withNoGrad { try m.forward(Variable(x)).value.scalars }
        try a.apply(keeping: [0, 1, 3, 4, 5])
        try b.apply(keeping: [0, 1, 2, 3])
        XCTAssertEqual((try m.module(at: "fc") as? Linear)?.weight.value.shape, [10, 9 * 49])
        let after = try withNoGrad { try m.forward(Variable(x)).value.scalars }
        for (p, q) in zip(before, after) { XCTAssertEqual(p, q, accuracy: 1e-4) }
        // A whole structured prune through the concatenation keeps the model consistent.
        let r = try StructuredPruner(target: .flops(0.6)).prune(m, example: x)
        XCTAssertLessThanOrEqual(Double(r.macsAfter), 0.6 * Double(r.macsBefore))
    }
}
