/// How a pattern partitions one weight tensor: every element belongs to one group, pruned or kept together.
public struct PatternGroups: Sendable {
    /// Group of each element (row-major over the weight).
    public let groupOf: [Int32]
    /// Number of elements in each group.
    public let sizes: [Int]
    /// For N:M, the run each group (element) belongs to; nil for other patterns.
    public let runOf: [Int32]?

    public var count: Int { sizes.count }

    /// The groups of `target` under `pattern`; an error names the layer when the shape does not divide.
    public static func make(_ pattern: SparsityPattern, for target: PruningTarget) throws -> PatternGroups {
        let count = target.count, outs = target.outputs, fanIn = target.fanIn, k = target.kernelArea
        switch pattern {
        case .unstructured:
            return PatternGroups(groupOf: (0..<count).map { Int32($0) }, sizes: [Int](repeating: 1, count: count),
                                 runOf: nil)
        case .nOfM(_, let m):
            let inChannels = fanIn / k
            guard inChannels % m == 0 else {
                throw PruningError.incompatible(layer: target.path,
                                                reason: "\(inChannels) input channels are not a multiple of M = \(m)")
            }
            // Element (o, c, p) with p the kernel position: run = (o, c / m, p).
            var runs = [Int32](repeating: 0, count: count)
            for o in 0..<outs { for c in 0..<inChannels { for p in 0..<k {
                runs[o * fanIn + c * k + p] = Int32((o * (inChannels / m) + c / m) * k + p)
            } } }
            return PatternGroups(groupOf: (0..<count).map { Int32($0) }, sizes: [Int](repeating: 1, count: count),
                                 runOf: runs)
        case .block(let r, let c):
            guard outs % r == 0, fanIn % c == 0 else {
                throw PruningError.incompatible(layer: target.path,
                                                reason: "a \(outs)×\(fanIn) weight matrix does not divide into \(r)×\(c) blocks")
            }
            let blocksPerRow = fanIn / c
            var g = [Int32](repeating: 0, count: count)
            for o in 0..<outs { for j in 0..<fanIn { g[o * fanIn + j] = Int32((o / r) * blocksPerRow + j / c) } }
            return PatternGroups(groupOf: g, sizes: [Int](repeating: r * c, count: (outs / r) * blocksPerRow),
                                 runOf: nil)
        case .outputChannels:
            var g = [Int32](repeating: 0, count: count)
            for o in 0..<outs { for j in 0..<fanIn { g[o * fanIn + j] = Int32(o) } }
            return PatternGroups(groupOf: g, sizes: [Int](repeating: fanIn, count: outs), runOf: nil)
        case .inputChannels:
            let inChannels = fanIn / k
            var g = [Int32](repeating: 0, count: count)
            for o in 0..<outs { for j in 0..<fanIn { g[o * fanIn + j] = Int32(j / k) } }
            return PatternGroups(groupOf: g, sizes: [Int](repeating: outs * k, count: inChannels), runOf: nil)
        }
    }

    /// Sums element values into group values.
    public func sum(_ element: [Float]) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        for (i, g) in groupOf.enumerated() { out[Int(g)] += Double(element[i]) }
        return out
    }

    /// Expands a per-group keep flag into an element mask.
    public func mask(keeping keep: [Bool]) -> [Float] {
        groupOf.map { keep[Int($0)] ? 1 : 0 }
    }
}
