import PruneTensor

/// Which scores a one-shot method removes: the `k` lowest, ties going to the earlier position —
/// the set a stable sort of (score, position) would give — found in linear time by a radix select
/// of the k-th lowest value (a byte of its bit pattern per pass) instead of a sort. A NaN score counts as +∞.
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
    /// value t is found by a radix select; then every score below t is marked, and
    /// the earliest scores equal to t make up the count (the positions a stable sort would give).
    static func markLowest(_ scores: UnsafeBufferPointer<Double>, count k: Int,
                           into mask: UnsafeMutableBufferPointer<Bool>) {
        let n = scores.count
        guard k > 0 else { return }
        if k >= n { for i in 0..<n { mask[i] = true }; return }
        if n <= 32 { markLowestBySorting(scores, count: k, into: mask); return }
        let threshold = kthLowest(k - 1, in: scores)
        var marked = 0
        for i in 0..<n {
            let below = scores[i] < threshold
            mask[i] = mask[i] || below
            marked += below ? 1 : 0
        }
        var i = 0
        while marked < k && i < n {
            if (scores[i].isNaN ? Double.infinity : scores[i]) == threshold { mask[i] = true; marked += 1 }
            i += 1
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

    /// The value that would sit at index `target` if `keys` were sorted (NaN as +∞): a radix select on
    /// order-preserving bit patterns, one byte at a time from the top, keeping only the candidates whose
    /// bytes so far match the target's (a few passes over shrinking sets; no comparisons to mispredict).
    static func kthLowest(_ target: Int, in keys: UnsafeBufferPointer<Double>) -> Double {
        let n = keys.count
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: n + 256) { buffer in
            let bits = buffer.baseAddress!, histogram = bits + n
            for i in 0..<n {
                let b = (keys[i].isNaN ? Double.infinity : keys[i]).bitPattern
                bits[i] = b >> 63 == 1 ? ~b : b | (1 << 63)
            }
            var count = n, rank = UInt64(target), shift: UInt64 = 56
            while true {
                histogram.update(repeating: 0, count: 256)
                for i in 0..<count { histogram[Int(truncatingIfNeeded: (bits[i] >> shift) & 255)] += 1 }
                var digit: UInt64 = 0
                while rank >= histogram[Int(digit)] { rank -= histogram[Int(digit)]; digit += 1 }
                var kept = 0
                for i in 0..<count {
                    bits[kept] = bits[i]
                    kept += (bits[i] >> shift) & 255 == digit ? 1 : 0
                }
                count = kept
                if shift == 0 || count == 1 { break }
                shift -= 8
            }
            let key = bits[0]
            return Double(bitPattern: key >> 63 == 1 ? key & ~(1 << 63) : ~key)
        }
    }
}
