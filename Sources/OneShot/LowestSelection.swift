import PruneTensor

/// Which scores a one-shot method removes: the `k` lowest, ties going to the earlier position —
/// the set a stable sort of (score, position) would give — found by quickselect (Hoare 1961) in
/// expected linear time instead of a sort. A NaN score counts as +∞.
enum LowestSelection {
    /// The `k` lowest of `scores` (ties broken by position), as a removal mask.
    static func lowest(_ scores: ArraySlice<Double>, count k: Int) -> [Bool] {
        var remove = [Bool](repeating: false, count: scores.count)
        remove.withUnsafeMutableBufferPointer { out in
            scores.withUnsafeBufferPointer { markLowest($0, count: k, into: out) }
        }
        return remove
    }

    /// Removal mask for `[rows, cols]` scores: per row, the lowest fraction (unstructured), or in
    /// each run of M columns the M − N lowest (N:M). Rows are independent and run in parallel.
    static func perRow(_ scores: [Double], rows: Int, cols: Int, sparsity: OneShotSparsity) -> [Bool] {
        var remove = [Bool](repeating: false, count: rows * cols)
        remove.withUnsafeMutableBufferPointer { out in
            scores.withUnsafeBufferPointer { all in
                nonisolated(unsafe) let out = out, all = all
                parallelFor(rows, work: cols * 16) { r in
                    let row = UnsafeBufferPointer(rebasing: all[(r * cols)..<((r + 1) * cols)])
                    let mask = UnsafeMutableBufferPointer(rebasing: out[(r * cols)..<((r + 1) * cols)])
                    markRow(row, into: mask, sparsity: sparsity)
                }
            }
        }
        return remove
    }

    /// Sets `mask` for one row's lowest scores: its lowest fraction, or the M − N lowest of each run of M.
    static func markRow(_ row: UnsafeBufferPointer<Double>, into mask: UnsafeMutableBufferPointer<Bool>,
                        sparsity: OneShotSparsity) {
        switch sparsity {
        case .unstructured(let s):
            markLowest(row, count: Int((s * Double(row.count)).rounded()), into: mask)
        case .nOfM(let n, let m):
            for g in stride(from: 0, to: row.count, by: m) {
                markLowest(UnsafeBufferPointer(rebasing: row[g..<(g + m)]), count: m - n,
                           into: UnsafeMutableBufferPointer(rebasing: mask[g..<(g + m)]))
            }
        }
    }

    /// Sets `mask[i]` for the `k` lowest of `scores`; the rest of `mask` is left as it is. The k-th lowest
    /// value t is found by quickselect on a copy of the scores; then every score below t is marked, and
    /// the earliest scores equal to t make up the count (the positions a stable sort would give).
    static func markLowest(_ scores: UnsafeBufferPointer<Double>, count k: Int,
                           into mask: UnsafeMutableBufferPointer<Bool>) {
        let n = scores.count
        guard k > 0 else { return }
        if k >= n { for i in 0..<n { mask[i] = true }; return }
        if n <= 32 { markLowestBySorting(scores, count: k, into: mask); return }
        let threshold = withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { keys in
            for i in 0..<n { keys[i] = scores[i].isNaN ? .infinity : scores[i] }
            return kthLowest(k - 1, in: keys)
        }
        var marked = 0
        for i in 0..<n where scores[i] < threshold { mask[i] = true; marked += 1 }
        for i in 0..<n where marked < k {
            let key = scores[i].isNaN ? Double.infinity : scores[i]
            if key == threshold { mask[i] = true; marked += 1 }
        }
    }

    /// Small groups (N:M): an insertion sort of the positions by (key, position) on the stack.
    private static func markLowestBySorting(_ scores: UnsafeBufferPointer<Double>, count k: Int,
                                            into mask: UnsafeMutableBufferPointer<Bool>) {
        let n = scores.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: n) { order in
            @inline(__always) func key(_ i: Int) -> Double { scores[i].isNaN ? .infinity : scores[i] }
            for i in 0..<n {
                var p = i
                while p > 0, key(order[p - 1]) > key(i) { order[p] = order[p - 1]; p -= 1 }
                order[p] = i
            }
            for j in 0..<k { mask[order[j]] = true }
        }
    }

    /// The value that would sit at index `target` if `keys` (no NaN) were sorted; `keys` is reordered.
    /// Three-way partitions around a median of three, so runs of equal keys (dead inputs score 0) end
    /// the search at once.
    static func kthLowest(_ target: Int, in keys: UnsafeMutableBufferPointer<Double>) -> Double {
        var lo = 0, hi = keys.count - 1, rounds = 0
        while lo < hi {
            rounds += 1
            if rounds > 64 {  // pathological pivots: finish this range by sorting it
                var range = UnsafeMutableBufferPointer(rebasing: keys[lo...hi])
                range.sort()
                return keys[target]
            }
            let a = keys[lo], b = keys[lo + (hi - lo) / 2], c = keys[hi]
            let pivot = Swift.max(Swift.min(a, b), Swift.min(Swift.max(a, b), c))
            // keys[lo..<less] < pivot, keys[less..<i] == pivot, keys[greater+1...hi] > pivot.
            var less = lo, i = lo, greater = hi
            while i <= greater {
                let v = keys[i]
                if v < pivot {
                    keys.swapAt(i, less); less += 1; i += 1
                } else if v > pivot {
                    keys.swapAt(i, greater); greater -= 1
                } else {
                    i += 1
                }
            }
            if target < less { hi = less - 1 } else if target > greater { lo = greater + 1 } else { return pivot }
        }
        return keys[target]
    }
}
