import PruneNN
@testable import PrunePruningGraph
import PruneTensor
import XCTest

/// The channel flows through Reshapes that fold a channel axis into its neighbours (dynamo's key
/// transpose, `repeat_kv`, nn.MultiheadAttention's heads), checked against where the entries really go:
/// each input entry is labelled with its channel, the labels are laid out in the output shape (a
/// Reshape keeps the flat order), and the flow's rule must name the same channel for every entry.
final class FoldedAxisTests: XCTestCase {
    private func graph() throws -> DependencyGraph {
        var rng = RandomGenerator(seed: 0)
        return try DependencyGraph(tracing: Sequential(named: [("fc", Linear(2, 2, rng: &rng))]),
                                   example: Tensor(unchecked: [1, 2], [1, 2]))
    }

    /// The channel of every entry of a tensor of `shape` whose `axis` holds `folded · channels · expansion`.
    private func channels(_ shape: [Int], axis: Int, channels: Int, expansion: Int) -> [Int] {
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (0..<shape.reduce(1, *)).map { (($0 / inner) % shape[axis] / expansion) % channels }
    }

    private func check(_ inShape: [Int], axis: Int, channels c: Int, expansion e: Int = 1, folded f: Int = 1,
                       to outShape: [Int], expect: (axis: Int, expansion: Int, folded: Int)?,
                       line: UInt = #line) throws {
        let g = try graph()
        let flow = DependencyGraph.Flow(space: g.newSpace(channels: c), axis: axis, expansion: e, folded: f)
        let out = g.regrouped(flow, inShape: inShape, outShape: outShape)
        guard let expect else { return XCTAssertNil(out, line: line) }
        let o = try XCTUnwrap(out, line: line)
        XCTAssertEqual([o.axis, o.expansion, o.folded], [expect.axis, expect.expansion, expect.folded], line: line)
        XCTAssertEqual(channels(inShape, axis: axis, channels: c, expansion: e),
                       channels(outShape, axis: o.axis, channels: c, expansion: o.expansion), line: line)
    }

    func testHeadsFoldedIntoTheBatchAxisAndBack() throws {
        // BERT's key, dynamo: [N, H, T, d] → [N·H, T, d], transposed, → [N, H, d, T].
        try check([2, 4, 7, 8], axis: 1, channels: 4, to: [8, 7, 8], expect: (0, 1, 2))
        try check([8, 8, 7], axis: 0, channels: 4, folded: 2, to: [2, 4, 8, 7], expect: (1, 1, 1))
        // Llama's repeat_kv: [N, KV, rep, T, d] → [N·KV·rep, T, d]: 2 key/value heads of 2 repeats each.
        try check([2, 2, 2, 7, 8], axis: 1, channels: 2, to: [8, 7, 8], expect: (0, 2, 2))
        try check([8, 8, 7], axis: 0, channels: 2, expansion: 2, folded: 2, to: [2, 4, 8, 7], expect: (1, 2, 1))
        // A flatten keeps working: [N, C, H, W] → [N, C·H·W].
        try check([2, 4, 3, 3], axis: 1, channels: 4, to: [2, 36], expect: (1, 9, 1))
    }

    func testChannelsThatWouldStraddleAnAxisAreRefused() throws {
        // [N, 4, 6] → [N, 2, 12]: channels 0-1 and 2-3 would share rows of the new axis.
        try check([2, 4, 6], axis: 1, channels: 4, to: [2, 2, 12], expect: nil)
        // A channel shuffle [N, 4, H, W] → [N, 2, 2, H, W] splits the channel axis itself.
        try check([1, 4, 3, 3], axis: 1, channels: 4, to: [1, 2, 2, 3, 3], expect: nil)
    }

    func testFoldedHeadsOfOneProjection() throws {
        // nn.MultiheadAttention, dynamo: [T, N, H·d] → [T, N·H, d] with H = 4 heads of 8.
        let g = try graph()
        var rng = RandomGenerator(seed: 1)
        let fc = Linear(4, 32, rng: &rng)
        let space = g.newSpace(channels: 32)
        g.add(space, GroupMember(path: "qkv", layer: fc, role: .producer, expansion: 1))
        g.pendingLayers.append((path: "qkv", inSpace: g.newSpace(channels: 4), outSpace: space, inC: 4, outC: 32,
                                expansion: 1, k: 1, positions: 1, depthwise: false, bias: true))
        let flow = DependencyGraph.Flow(space: space, axis: 2, expansion: 1)
        let heads = try XCTUnwrap(g.foldedHeads(flow, inShape: [7, 2, 32], outShape: [7, 8, 8]))
        XCTAssertEqual([heads.axis, heads.expansion, heads.folded], [1, 1, 2])
        XCTAssertEqual(heads.space.root.group.channels, 4)
        // Feature k of the projection belongs to head k / 8; on [7, 8, 8], row r of axis 1 is head r % 4.
        let features = channels([7, 2, 32], axis: 2, channels: 32, expansion: 1).map { $0 / 8 }
        XCTAssertEqual(features, channels([7, 8, 8], axis: 1, channels: 4, expansion: 1))
        XCTAssertNil(g.foldedHeads(flow, inShape: [7, 2, 32], outShape: [7, 2, 4, 8]), "unfolded heads: not this rule")
    }
}
