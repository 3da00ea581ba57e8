/// Reshapes that fold a channel axis into its neighbours and back. PyTorch's dynamo exporter writes
/// the key transpose of attention as [N, H, T, d] → [N·H, T, d] → Transpose → [N, H, d, T]: the heads
/// pass through the batch axis, repeated N times. A channel axis is then followed by where its
/// entries go, not by its position: entry i of the axis belongs to channel `(i / expansion) % C`,
/// and a Reshape keeps that true on output axis j when the entries after j are a divisor of the
/// entries after the channel (each channel still covers whole runs) and the axis holds whole periods.
extension DependencyGraph {
    /// The channels' flow on the output of a Reshape, or nil when they no longer form whole runs on
    /// one axis. The smallest folding wins (an axis that holds the channels once over one that repeats them).
    func regrouped(_ f: Flow, inShape: [Int], outShape: [Int]) -> Flow? {
        let extent = inShape[f.axis]
        guard f.folded > 0, f.expansion > 0, extent % (f.folded * f.expansion) == 0 else { return nil }
        let channels = extent / (f.folded * f.expansion)
        // The entries each channel's run is followed by before the pattern repeats.
        let period = f.expansion * inShape[(f.axis + 1)...].reduce(1, *)
        var best: Flow?
        for j in outShape.indices {
            let after = outShape[(j + 1)...].reduce(1, *)
            guard after > 0, period % after == 0 else { continue }
            let expansion = period / after
            guard outShape[j] % (channels * expansion) == 0 else { continue }
            let folded = outShape[j] / (channels * expansion)
            if folded > 0, folded < best?.folded ?? Int.max {
                best = Flow(space: f.space, axis: j, expansion: expansion, folded: folded)
            }
        }
        return best
    }
}

extension DependencyGraph {
    /// One projection's outputs split into heads that are folded into the axis before them at once
    /// ([T, N, H·d] → [T, N·H, d], `nn.MultiheadAttention` as dynamo exports it): the heads become the
    /// channels, repeated N times along that axis. Nil when the Reshape is something else.
    func foldedHeads(_ f: Flow, inShape: [Int], outShape: [Int]) -> Flow? {
        guard f.expansion == 1, f.folded == 1 else { return nil }
        let c = inShape[f.axis]
        let before = inShape[..<f.axis].reduce(1, *), after = inShape[(f.axis + 1)...].reduce(1, *)
        for j in outShape.indices.dropLast() {
            let size = outShape[j + 1]
            guard size > 0, c % size == 0, c / size > 1, outShape[j] % (c / size) == 0 else { continue }
            let heads = c / size, folded = outShape[j] / heads
            guard folded > 1, outShape[..<j].reduce(1, *) * folded == before,
                  outShape[(j + 2)...].reduce(1, *) == after,
                  let space = headSpace(splitting: f.space, heads: heads, size: size) else { continue }
            return Flow(space: space, axis: j, expansion: 1, folded: folded)
        }
        return nil
    }
}
