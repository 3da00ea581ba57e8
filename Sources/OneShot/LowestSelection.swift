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

    /// Sets `mask[i]` for the `k` lowest of `scores`; the rest of `mask` is left as it is.
    static func markLowest(_ scores: UnsafeBufferPointer<Double>, count k: Int,
                           into mask: UnsafeMutableBufferPointer<Bool>) {
        let n = scores.count
        guard k > 0 else { return }
        if k >= n { for i in 0..<n { mask[i] = true }; return }
        if n <= 32 { markLowestBySorting(scores, count: k, into: mask); return }
        var order = [Int](0..<n)
        order.withUnsafeMutableBufferPointer { order in
            let keys = scores.map { $0.isNaN ? Double.infinity : $0 }
            keys.withUnsafeBufferPointer { keys in
                select(k - 1, in: order, keys: keys)
            }
            for j in 0..<k { mask[order[j]] = true }
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

    /// Rearranges `order` so its first `target + 1` entries are the lowest by (key, position).
    private static func select(_ target: Int, in order: UnsafeMutableBufferPointer<Int>,
                               keys: UnsafeBufferPointer<Double>) {
        @inline(__always) func less(_ a: Int, _ b: Int) -> Bool { keys[a] < keys[b] || (keys[a] == keys[b] && a < b) }
        var lo = 0, hi = order.count - 1, rounds = 0
        while lo < hi {
            rounds += 1
            if rounds > 64 {  // pathological pivots: finish this range by sorting it
                let sorted = order[lo...hi].sorted(by: less)
                for (i, v) in sorted.enumerated() { order[lo + i] = v }
                return
            }
            let p = partition(order, lo, hi, less)
            if p == target { return }
            if target < p { hi = p - 1 } else { lo = p + 1 }
        }
    }

    /// Lomuto partition of `order[lo...hi]` around the median of its first, middle and last entries;
    /// returns the pivot's final index.
    private static func partition(_ order: UnsafeMutableBufferPointer<Int>, _ lo: Int, _ hi: Int,
                                  _ less: (Int, Int) -> Bool) -> Int {
        let mid = lo + (hi - lo) / 2
        if less(order[mid], order[lo]) { order.swapAt(mid, lo) }
        if less(order[hi], order[lo]) { order.swapAt(hi, lo) }
        if less(order[hi], order[mid]) { order.swapAt(hi, mid) }
        order.swapAt(mid, hi)
        let pivot = order[hi]
        var store = lo
        for i in lo..<hi where less(order[i], pivot) {
            order.swapAt(i, store); store += 1
        }
        order.swapAt(store, hi)
        return store
    }
}
