/// ThiNet's greedy channel selection (Luo et al., "ThiNet: A Filter Level Pruning Method for Deep Neural
/// Network Compression", ICCV 2017, Algorithm 1): starting from the empty set T of removed channels,
/// repeatedly add the channel i that minimizes the next layer's reconstruction error Σ_{s,o} (Σ_{c ∈ T ∪ {i}}
/// x̂_{s,o,c})², which with the channel Gram G is 1ᵀG_TT1 + 2·Σ_{t ∈ T} G[t, i] + G[i, i]. The order is
/// greedy, so its first k channels are the algorithm's choice for every k. Ties go to the lower index.
public enum ThiNetSelection {
    /// Every channel, in the order the greedy algorithm removes them.
    public static func removalOrder(gram g: [Double], channels c: Int) -> [Int] {
        var removed: [Int] = [], left = Set(0..<c)
        var cross = [Double](repeating: 0, count: c)   // Σ_{t ∈ T} G[t, i]
        while !left.isEmpty {
            var best = -1, bestCost = Double.infinity
            for i in left.sorted() {
                let cost = 2 * cross[i] + g[i * c + i]
                if cost < bestCost { best = i; bestCost = cost }
            }
            if best < 0 { best = left.min()! }   // NaN costs: take the lowest index, the order stays total
            removed.append(best)
            left.remove(best)
            for i in 0..<c { cross[i] += g[best * c + i] }
        }
        return removed
    }

    /// The reconstruction error 1ᵀG_TT1 of removing the channels `removed`.
    public static func error(gram g: [Double], channels c: Int, removed: [Int]) -> Double {
        removed.reduce(0) { sum, a in sum + removed.reduce(0) { $0 + g[a * c + $1] } }
    }
}
