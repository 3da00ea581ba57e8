/// NumPy-style broadcasting: shapes are aligned at their last axis; an axis of extent 1 stretches.
extension Tensor {
    /// The shape two operands broadcast to, or an error naming `op` and both shapes.
    public static func broadcastShape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let r = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw TensorError.shapeMismatch(op: op, shapes: [a, b],
                                                reason: "axis \(i) has extents \(da) and \(db); broadcasting needs equal extents or 1")
            }
        }
        return out
    }

    /// Strides of `shape` seen inside the larger broadcast shape `target` (0 on stretched axes).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(of: shape)
        let offset = target.count - shape.count
        var result = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 { result[i + offset] = own[i] }
        return result
    }

    /// This tensor materialized at a broadcast shape.
    public func broadcast(to target: [Int]) throws -> Tensor {
        if shape == target { return self }
        guard try Tensor.broadcastShape(shape, target, op: "broadcast") == target else {
            throw TensorError.shapeMismatch(op: "broadcast", shapes: [shape, target],
                                            reason: "cannot stretch to the target")
        }
        return try Tensor.binaryOp(self, Tensor.zeros(target), op: "broadcast") { a, _ in a }
    }

    /// Sums a broadcast result back down to `shape` (the adjoint of broadcasting).
    public func sum(toShape target: [Int]) throws -> Tensor {
        if shape == target { return self }
        guard target.count <= shape.count else {
            throw TensorError.shapeMismatch(op: "sum(toShape:)", shapes: [shape, target],
                                            reason: "target has more axes")
        }
        let offset = shape.count - target.count
        var axes: [Int] = Array(0..<offset)
        for i in 0..<target.count {
            if target[i] == 1 && shape[i + offset] != 1 { axes.append(i + offset) }
            else if target[i] != shape[i + offset] {
                throw TensorError.shapeMismatch(op: "sum(toShape:)", shapes: [shape, target],
                                                reason: "axis \(i + offset) differs")
            }
        }
        let reduced = try sum(axes: axes, keepDims: true)
        return try reduced.reshaped(target)
    }

    /// Applies `f` elementwise to two broadcast operands. Fast paths cover equal shapes, a scalar
    /// operand, and an operand that repeats along the leading axes (a bias).
    @inline(__always)
    public static func binaryOp(_ a: Tensor, _ b: Tensor, op: String,
                                _ f: (Float, Float) -> Float) throws -> Tensor {
        if a.shape == b.shape { return Tensor(unchecked: a.shape, oneRun(a, 1, b, 1, count: a.count, f)) }
        let outShape = try broadcastShape(a.shape, b.shape, op: op)
        let n = count(of: outShape)
        if b.count == 1 && a.count == n { return Tensor(unchecked: outShape, oneRun(a, 1, b, 0, count: n, f)) }
        if a.count == 1 && b.count == n { return Tensor(unchecked: outShape, oneRun(a, 0, b, 1, count: n, f)) }
        if a.count == n, let run = axisRun(b.shape, of: outShape) {
            return runBroadcast(a, b, run: run, outShape: outShape) { f($0, $1) }
        }
        if b.count == n, let run = axisRun(a.shape, of: outShape) {
            return runBroadcast(b, a, run: run, outShape: outShape) { f($1, $0) }
        }
        return generalBinary(a, b, outShape: outShape, f)
    }

    /// The whole output as one run (``innerRun``): operands of equal shapes (steps 1 and 1) or one a single value
    /// (step 0), into new storage in one loop the compiler vectorizes (through `map` a scaling of attention queries
    /// ran at about 1 ns a value).
    @inline(__always)
    static func oneRun(_ a: Tensor, _ sa: Int, _ b: Tensor, _ sb: Int, count: Int,
                       _ f: (Float, Float) -> Float) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buf, filled in
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    innerRun(pa.baseAddress!, sa, pb.baseAddress!, sb, buf.baseAddress!, count, f)
                }
            }
            filled = count
        }
    }

    /// Where `small` varies inside `big` when it broadcasts to it: the extents of the axes before its
    /// one contiguous run of non-1 axes (`outer`), of the run (`mid`, matching `big`), and after (`inner`).
    /// [C, 1, 1] against [N, C, H, W] is (N, C, H·W); a bias [D] against [N, T, D] is (N·T, D, 1).
    /// Nil when `small` varies along separated axes or is a single value.
    static func axisRun(_ small: [Int], of big: [Int]) -> (outer: Int, mid: Int, inner: Int)? {
        guard small.count <= big.count else { return nil }
        let aligned = [Int](repeating: 1, count: big.count - small.count) + small
        let varying = aligned.indices.filter { aligned[$0] != 1 }
        guard let first = varying.first, let last = varying.last, varying.count == last - first + 1,
              (first...last).allSatisfy({ aligned[$0] == big[$0] }) else { return nil }
        return (count(of: Array(big[..<first])), count(of: Array(big[first...last])),
                count(of: Array(big[(last + 1)...])))
    }

    /// `f(big[o, m, i], small[m])` over a `small` that broadcasts along one run of axes (see `axisRun`).
    @inline(__always)
    static func runBroadcast(_ big: Tensor, _ small: Tensor, run: (outer: Int, mid: Int, inner: Int),
                             outShape: [Int], _ f: (Float, Float) -> Float) -> Tensor {
        let n = big.count
        let out = [Float](unsafeUninitializedCapacity: n) { buf, filled in
            big.scalars.withUnsafeBufferPointer { pa in
                small.scalars.withUnsafeBufferPointer { pb in
                    // Through pointers to each run, without overflow checks in the loops: they vectorize (indexing
                    // the buffers from a running base kept a bias addition over [8, 128, 384] scalar).
                    let x = pa.baseAddress!, y = buf.baseAddress!, s = pb.baseAddress!
                    if run.inner == 1 {
                        for o in 0..<run.outer { innerRun(x + o &* run.mid, 1, s, 1, y + o &* run.mid, run.mid, f) }
                        return
                    }
                    for o in 0..<run.outer {
                        for m in 0..<run.mid {
                            let base = (o &* run.mid &+ m) &* run.inner
                            innerRun(x + base, 1, s + m, 0, y + base, run.inner, f)
                        }
                    }
                }
            }
            filled = n
        }
        return Tensor(unchecked: outShape, out)
    }

    /// `y[j] = f(a[j·sa], b[j·sb])` for j < n: one run of the last axis. Strides of 1 (both operands varying
    /// along it, as an attention mask [N, 1, 1, T] against scores [N, H, T, T]) and 0 (one repeated) get loops
    /// of their own, which the compiler vectorizes; a mask addition over 8 × 12 × 128 × 128 scores ran at
    /// 1.8 ns a value through the strided loop.
    @inline(__always)
    static func innerRun(_ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                         _ y: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float, Float) -> Float) {
        switch (sa, sb) {
        case (1, 1): for j in 0..<n { y[j] = f(a[j], b[j]) }
        case (1, 0): let s = b[0]; for j in 0..<n { y[j] = f(a[j], s) }
        case (0, 1): let s = a[0]; for j in 0..<n { y[j] = f(s, b[j]) }
        default: for j in 0..<n { y[j] = f(a[j &* sa], b[j &* sb]) }
        }
    }

    @inline(__always)
    static func generalBinary(_ a: Tensor, _ b: Tensor, outShape: [Int], _ f: (Float, Float) -> Float) -> Tensor {
        let n = count(of: outShape)
        let r = outShape.count
        let sa = broadcastStrides(a.shape, to: outShape)
        let sb = broadcastStrides(b.shape, to: outShape)
        var out = [Float](repeating: 0, count: n)
        if n == 0 { return Tensor(unchecked: outShape, out) }
        let innerLen = outShape[r - 1]
        let ia = sa[r - 1], ib = sb[r - 1]
        var idx = [Int](repeating: 0, count: r)
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    var o = 0
                    var offA = 0, offB = 0
                    while o < n {
                        innerRun(pa.baseAddress! + offA, ia, pb.baseAddress! + offB, ib, po.baseAddress! + o,
                                 innerLen, f)
                        o += innerLen
                        // advance the outer multi-index
                        var ax = r - 2
                        while ax >= 0 {
                            idx[ax] += 1
                            offA += sa[ax]; offB += sb[ax]
                            if idx[ax] < outShape[ax] { break }
                            offA -= sa[ax] * outShape[ax]; offB -= sb[ax] * outShape[ax]
                            idx[ax] = 0
                            ax -= 1
                        }
                    }
                }
            }
        }
        return Tensor(unchecked: outShape, out)
    }
}
