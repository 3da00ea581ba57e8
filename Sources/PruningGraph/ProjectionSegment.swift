import PruneAutodiff
import PruneNN
import PruneTensor

/// One projection whose outputs a Split cuts into segments (GPT-2's `c_attn`: q, k and v packed in one
/// Conv1D): each segment is a ``ProjectionSegment`` that produces the channels of its own group, so the
/// heads of q, k and v become removable. It tracks the segments' current sizes and rewrites the Split's
/// constant sizes and the Reshape targets that hold the whole width when a segment shrinks.
final class PackedProjection {
    let layer: any ChannelPrunable & PrunableWeightLayer
    let path: String
    private(set) var sizes: [Int]
    /// One entry per segment of the Split's constant sizes input; empty when it splits evenly.
    let sizeEntries: [ConstantEntryRewrite]
    /// Reshape target entries that hold the projection's whole output width.
    let widthEntries: [ConstantEntryRewrite]
    /// Reshape target entries that hold the width of every segment (equal segments: [T, N, 3, E]).
    let segmentWidthEntries: [ConstantEntryRewrite]

    init(layer: any ChannelPrunable & PrunableWeightLayer, path: String, sizes: [Int],
         sizeEntries: [ConstantEntryRewrite], widthEntries: [ConstantEntryRewrite],
         segmentWidthEntries: [ConstantEntryRewrite] = []) {
        self.layer = layer; self.path = path; self.sizes = sizes
        self.sizeEntries = sizeEntries; self.widthEntries = widthEntries
        self.segmentWidthEntries = segmentWidthEntries
    }

    func offset(_ segment: Int) -> Int { sizes[..<segment].reduce(0, +) }

    /// Keeps rows `keep` (indices within the segment) of one segment and every row of the others.
    func keep(_ keep: [Int], inSegment s: Int) {
        var rows: [Int] = []
        for t in sizes.indices {
            let o = offset(t)
            rows += t == s ? keep.map { o + $0 } : Array(o..<(o + sizes[t]))
        }
        layer.pruneOutChannels(keeping: rows)
        sizes[s] = keep.count
        if s < sizeEntries.count { sizeEntries[s].pruneInChannels(keeping: keep) }
        for entry in widthEntries { entry.pruneInChannels(keeping: Array(0..<sizes.reduce(0, +))) }
        for entry in segmentWidthEntries { entry.pruneInChannels(keeping: Array(0..<keep.count)) }
    }

    /// The rows of one segment of the projection's weight.
    func weightRows(_ s: Int) -> Tensor {
        let w = layer.prunableWeight.value
        let o = offset(s)
        return (try? w.slice(axis: 0, start: o, end: o + sizes[s])) ?? w
    }
}

/// The outputs of one segment of a ``PackedProjection``, as a layer that produces a group's channels.
final class ProjectionSegment: ChannelPrunable, PrunableWeightLayer {
    let packed: PackedProjection
    let segment: Int
    var isTraining = false

    init(_ packed: PackedProjection, segment: Int) { self.packed = packed; self.segment = segment }

    var prunableOutChannels: Int { packed.sizes[segment] }
    var prunableInChannels: Int { packed.layer.prunableInChannels }
    var channelTransform: ChannelTransform { packed.layer.channelTransform }
    var channelAxis: ChannelAxis { packed.layer.channelAxis }
    /// A copy of the segment's rows: criteria score them; pruning goes through ``pruneOutChannels(keeping:)``.
    var prunableWeight: Parameter { Parameter(packed.weightRows(segment)) }
    func outputPositions(forInput input: Tensor) -> Int { packed.layer.outputPositions(forInput: input) }
    func pruneOutChannels(keeping k: [Int]) { packed.keep(k, inSegment: segment) }
    func pruneInChannels(keeping: [Int]) {}
    func forward(_ x: Variable) throws -> Variable { x }
}
