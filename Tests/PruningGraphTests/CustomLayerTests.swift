import PruneAutodiff
import PruneNN
import PrunePruning
import PrunePruningGraph
import PruneTensor
import XCTest

/// Layer types the library does not know, defined here: structured pruning must handle them through
/// `ChannelPrunable` / `ChannelPassThrough` alone.

/// y = x·Wᵀ without bias, W `[out, in]`.
final class TestDense: ChannelPrunable, PrunableWeightLayer {
    let weight: Parameter
    var isTraining = true
    init(_ w: Tensor) { weight = Parameter(w) }
    var ownParameters: [(name: String, parameter: Parameter)] { [("weight", weight)] }
    func forward(_ x: Variable) throws -> Variable { try Variable.linear(x, weight: weight.variable(), bias: nil) }
    var summary: String { "TestDense" }

    var prunableOutChannels: Int { weight.value.shape[0] }
    var prunableInChannels: Int { weight.value.shape[1] }
    var channelTransform: ChannelTransform { .mixing(kernelArea: 1, bias: false) }
    var channelAxis: ChannelAxis { .last }
    var prunableWeight: Parameter { weight }
    func outputPositions(forInput input: Tensor) -> Int { input.count / max(weight.value.shape[1], 1) / max(input.shape[0], 1) }
    func pruneOutChannels(keeping k: [Int]) {
        let w = weight.value, n = w.shape[1]
        weight.value = Tensor(unchecked: [k.count, n], k.flatMap { w.scalars[$0 * n..<($0 + 1) * n] })
    }
    func pruneInChannels(keeping k: [Int]) {
        let w = weight.value, n = w.shape[1]
        let rows = (0..<w.shape[0]).flatMap { r in k.map { w.scalars[r * n + $0] } }
        weight.value = Tensor(unchecked: [w.shape[0], k.count], rows)
    }
}

/// y = x ⊙ s, one scale per channel.
final class TestScale: ChannelPrunable {
    let scale: Parameter
    var isTraining = true
    init(_ s: Tensor) { scale = Parameter(s) }
    var ownParameters: [(name: String, parameter: Parameter)] { [("scale", scale)] }
    func forward(_ x: Variable) throws -> Variable { try x * scale.variable() }
    var summary: String { "TestScale" }

    var prunableOutChannels: Int { scale.value.count }
    var prunableInChannels: Int { scale.value.count }
    var channelTransform: ChannelTransform { .normalization }
    var channelAxis: ChannelAxis { .last }
    var channelScale: Parameter? { scale }
    func pruneOutChannels(keeping k: [Int]) {
        scale.value = Tensor(unchecked: [k.count], k.map { scale.value.scalars[$0] })
    }
    func pruneInChannels(keeping k: [Int]) { pruneOutChannels(keeping: k) }
}

/// y = x², channel by channel.
final class TestSquare: ChannelPassThrough {
    var isTraining = true
    func forward(_ x: Variable) throws -> Variable { x.square() }
    var summary: String { "TestSquare" }
}

final class CustomLayerTests: XCTestCase {
    func model(seed: UInt64) -> (Sequential, TestDense, TestScale, Linear) {
        var rng = RandomGenerator(seed: seed)
        let dense = TestDense(Tensor.normal([12, 6], using: &rng))
        let scale = TestScale(Tensor.normal([12], using: &rng))
        let head = Linear(12, 3, rng: &rng)
        return (Sequential([dense, scale, TestSquare(), head]), dense, scale, head)
    }

    func testANewLayerTypeIsTracedAndPrunedThroughItsConformanceAlone() throws {
        let (m, dense, scale, head) = model(seed: 3)
        var rng = RandomGenerator(seed: 9)
        let x = Tensor.normal([5, 6], using: &rng)
        let graph = try DependencyGraph(tracing: m, example: Tensor.normal([1, 6], using: &rng))
        XCTAssertEqual(graph.groups.count, 1)
        let g = try XCTUnwrap(graph.groups.first)
        XCTAssertEqual(g.channels, 12)
        XCTAssertEqual(g.producers.map(\.path), ["0"])
        XCTAssertEqual(g.followers.map(\.path), ["1"])
        XCTAssertEqual(g.consumers.map(\.path), ["3"])

        // Removing channels must equal zeroing their scale in the unpruned model.
        let keep = [0, 2, 3, 7, 8, 11]
        let (reference, _, refScale, _) = model(seed: 3)
        let zeroed = (0..<12).map { keep.contains($0) ? refScale.scale.value.scalars[$0] : 0 }
        refScale.scale.value = Tensor(unchecked: [12], zeroed)
        let expected = try withNoGrad { try reference.forward(Variable(x)).value.scalars }
        try g.apply(keeping: keep)
        XCTAssertEqual(dense.weight.value.shape, [6, 6])
        XCTAssertEqual(scale.scale.value.shape, [6])
        XCTAssertEqual(head.weight.value.shape, [3, 6])
        let got = try withNoGrad { try m.forward(Variable(x)).value.scalars }
        XCTAssertEqual(got.count, expected.count)
        for (a, b) in zip(got, expected) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    func testTheStructuredPrunerScoresTheNewLayersWeight() throws {
        let (m, dense, _, _) = model(seed: 4)
        let w = dense.weight.value.scalars
        let norms = (0..<12).map { r in (0..<6).reduce(Float(0)) { $0 + w[r * 6 + $1] * w[r * 6 + $1] } }
        let strongest = Set((0..<12).sorted { norms[$0] > norms[$1] }.prefix(6).map { norms[$0] })
        var rng = RandomGenerator(seed: 1)
        let example = Tensor.normal([1, 6], using: &rng)
        _ = try StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .channelRatio(0.5)).prune(m, example: example)
        XCTAssertEqual(dense.weight.value.shape, [6, 6])
        let kept = dense.weight.value.scalars
        let keptNorms = Set((0..<6).map { r in (0..<6).reduce(Float(0)) { $0 + kept[r * 6 + $1] * kept[r * 6 + $1] } })
        XCTAssertEqual(keptNorms, strongest, "L2 keeps the six rows of largest norm")
    }
}
