import PruneTensor

/// Matrix products and the fused affine map of a Linear layer.
extension Variable {
    /// NumPy-style matrix product (2-D, or batched over leading axes).
    public static func matmul(_ a: Variable, _ b: Variable) throws -> Variable {
        let out = try Tensor.matmul(a.value, b.value)
        let av = a.value, bv = b.value
        let needA = a.requiresGrad, needB = b.requiresGrad
        return record(out, [a, b]) { g in
            var ga: Tensor? = nil, gb: Tensor? = nil
            if needA {
                let d = try Tensor.matmul(g, bv, transposeB: true)
                ga = d.shape == av.shape ? d : try d.sum(toShape: av.shape)
            }
            if needB {
                if bv.rank == 2 && av.rank > 2 {
                    // B shared by every batch: stack the batch into rows, one GEMM.
                    let k = av.shape[av.rank - 1], n = g.shape[g.rank - 1]
                    gb = try Tensor.matmul(av.reshaped([-1, k]), g.reshaped([-1, n]), transposeA: true)
                } else {
                    let d = try Tensor.matmul(av, g, transposeA: true)
                    gb = d.shape == bv.shape ? d : try d.sum(toShape: bv.shape)
                }
            }
            return [ga, gb]
        }
    }

    /// y = x·Wᵀ + b for x `[..., in]`, W `[out, in]`, b `[out]` (PyTorch's Linear convention).
    public static func linear(_ x: Variable, weight: Variable, bias: Variable?) throws -> Variable {
        let w = weight.value
        guard w.rank == 2, x.value.rank >= 1, x.shape.last == w.shape[1] else {
            throw TensorError.shapeMismatch(op: "linear", shapes: [x.shape, w.shape],
                                            reason: "input features must equal the weight's second extent")
        }
        let inF = w.shape[1], outF = w.shape[0]
        let rows = x.shape.dropLast().reduce(1, *)
        if let bias, bias.shape != [outF] {
            throw TensorError.shapeMismatch(op: "linear", shapes: [bias.shape, [outF]],
                                            reason: "bias needs one value per output")
        }
        let out = linearProduct(x.value, w, bias: bias?.value, rows: rows)
        let outShape = Array(x.shape.dropLast()) + [outF]
        let xv = x.value, needX = x.requiresGrad, needW = weight.requiresGrad, hasBias = bias != nil
        let parents = bias.map { [x, weight, $0] } ?? [x, weight]
        return record(Tensor(unchecked: outShape, out), parents) { g in
            linearGradients(g, x: xv, w: w, rows: rows, needX: needX, needW: needW, bias: hasBias)
        }
    }

    /// x·Wᵀ + b for `rows` rows of x: every element written, the bias added by the product's kernels as they
    /// write each block (``Tensor/gemm(_:_:_:m:n:k:transA:transB:columnBias:)``), the product alone (beta 0
    /// never reads the buffer) without a bias, the bias (or zeros) alone without input features.
    static func linearProduct(_ x: Tensor, _ w: Tensor, bias: Tensor?, rows: Int) -> [Float] {
        let inF = w.shape[1], outF = w.shape[0]
        return [Float](unsafeUninitializedCapacity: rows * outF) { o, n in
            n = rows * outF
            guard rows * outF > 0 else { return }
            guard inF > 0 else {
                if let b = bias?.scalars {
                    for r in 0..<rows { (o.baseAddress! + r * outF).initialize(from: b, count: outF) }
                } else {
                    o.initialize(repeating: 0)
                }
                return
            }
            x.scalars.withUnsafeBufferPointer { xp in
                w.scalars.withUnsafeBufferPointer { wp in
                    if let b = bias?.scalars {
                        b.withUnsafeBufferPointer { bp in
                            Tensor.gemm(xp.baseAddress!, wp.baseAddress!, o.baseAddress!, m: rows, n: outF, k: inF,
                                        transB: true, columnBias: bp.baseAddress!)
                        }
                    } else {
                        Tensor.gemm(xp.baseAddress!, wp.baseAddress!, o.baseAddress!, m: rows, n: outF, k: inF,
                                    transB: true)
                    }
                }
            }
        }
    }

    /// dL/dx = g·W, dL/dW = gᵀ·x, dL/db = Σ_rows g, for y = x·Wᵀ + b with `rows` rows.
    static func linearGradients(_ g: Tensor, x xv: Tensor, w: Tensor, rows: Int, needX: Bool, needW: Bool,
                                bias: Bool) -> [Tensor?] {
        let inF = w.shape[1], outF = w.shape[0]
        var gx: Tensor? = nil, gw: Tensor? = nil
        if rows > 0 && inF > 0 && outF > 0 {
            if needX {
                var d = [Float](repeating: 0, count: rows * inF)
                g.scalars.withUnsafeBufferPointer { gp in w.scalars.withUnsafeBufferPointer { wp in d.withUnsafeMutableBufferPointer { dp in
                    Tensor.gemm(gp.baseAddress!, wp.baseAddress!, dp.baseAddress!, m: rows, n: inF, k: outF)
                } } }
                gx = Tensor(unchecked: xv.shape, d)
            }
            if needW {
                var d = [Float](repeating: 0, count: outF * inF)
                g.scalars.withUnsafeBufferPointer { gp in xv.scalars.withUnsafeBufferPointer { xp in d.withUnsafeMutableBufferPointer { dp in
                    Tensor.gemm(gp.baseAddress!, xp.baseAddress!, dp.baseAddress!, m: outF, n: inF, k: rows,
                                transA: true)
                } } }
                gw = Tensor(unchecked: w.shape, d)
            }
        } else {
            gx = .zeros(xv.shape); gw = .zeros(w.shape)
        }
        var grads: [Tensor?] = [gx, gw]
        if bias {
            var gb = [Float](repeating: 0, count: outF)
            g.scalars.withUnsafeBufferPointer { gp in
                for r in 0..<rows { for j in 0..<outF { gb[j] += gp[r * outF + j] } }
            }
            grads.append(Tensor(unchecked: [outF], gb))
        }
        return grads
    }
}
