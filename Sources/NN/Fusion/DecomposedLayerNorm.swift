import PruneAutodiff
import PruneTensor

/// A layer normalization (Ba, Kiros & Hinton 2016) that an exporter wrote out node by node — ONNX has
/// LayerNormalization only from opset 17, so TorchScript exports of BERT, ViT or `nn.TransformerEncoder`
/// at opset 14 carry `m = ReduceMean(x)`, `d = x − m`, `v = ReduceMean(d²)`, `d / √(v + ε)`, then `· γ`
/// and `+ β`: nine nodes and as many passes over the activations. Inference runs the whole chain as one
/// pass of the LayerNorm kernel (``Tensor/layerNormRows(_:weight:bias:epsilon:)``) when it has this shape
/// exactly: the mean over the last axis with dimensions kept, the exponent 2, a scalar ε, and γ, β constants
/// with one value per element of a row (either may be absent). The plan finds the chains
/// (``GraphRunPlan/layerNorms``); the values differ from the nodes' by float rounding only (the tests hold
/// them to 1e-5).
struct DecomposedLayerNorm {
    /// The chain's nodes after the first ReduceMean, which run inside it.
    let absorbed: [Int]
    let input: Int, exponent: Int, epsilon: Int
    let weight: Int?, bias: Int?
    /// The slot of the chain's last value, the one later nodes read.
    let output: Int
    /// The first ReduceMean and its axes operand (opset 18 gives axes as an input), or −1.
    let reduce: ReduceOperator
    let axes: Int

    /// The normalized value, or nil when the values do not have the shape the kernel needs (the caller then
    /// runs the nodes one by one).
    func run(_ slots: [GraphValue?]) throws -> GraphValue? {
        guard case .float(let x)? = slots[input], let n = x.shape.last, n > 0,
              try reduce.axes(axes < 0 ? [] : [nil, slots[axes]], rank: x.shape.count) == [x.shape.count - 1],
              scalar(exponent, in: slots) == 2, let eps = scalar(epsilon, in: slots),
              let w = try row(weight, n, slots, default: 1), let b = try row(bias, n, slots, default: 0) else {
            return nil
        }
        return .float(Variable(Tensor.layerNormRows(x.value, weight: w, bias: b, epsilon: eps)))
    }

    private func scalar(_ slot: Int, in slots: [GraphValue?]) -> Float? {
        guard case .float(let v)? = slots[slot], v.value.count == 1 else { return nil }
        return v.value.scalars[0]
    }

    /// γ or β as one value per element of a row ([n], or [1, …, 1, n]); `fill` when the chain has none.
    private func row(_ slot: Int?, _ n: Int, _ slots: [GraphValue?], default fill: Float) throws -> Tensor? {
        guard let slot else { return Tensor(unchecked: [n], [Float](repeating: fill, count: n)) }
        guard case .float(let v)? = slots[slot], v.value.count == n, v.shape.last == n else { return nil }
        return v.value
    }
}

extension GraphRunPlan {
    /// Per node: the decomposed LayerNorm whose first ReduceMean it is (see ``DecomposedLayerNorm``).
    static func layerNorms(nodes: [GraphNode], reads: [[Int]], writes: [[Int]], constants: Set<Int>,
                           outputs: Set<Int>, slotCount: Int) -> [DecomposedLayerNorm?] {
        var readers = [[Int]](repeating: [], count: slotCount)
        for (i, r) in reads.enumerated() { for s in Set(r) where s >= 0 { readers[s].append(i) } }
        let walk = LayerNormWalk(nodes: nodes, reads: reads, writes: writes, readers: readers, constants: constants,
                                 outputs: outputs)
        return nodes.indices.map { walk.match(head: $0) }
    }
}

/// Follows a candidate chain node by node: each value must have the expected readers and not be a graph output.
struct LayerNormWalk {
    let nodes: [GraphNode]
    let reads: [[Int]], writes: [[Int]], readers: [[Int]]
    let constants: Set<Int>, outputs: Set<Int>

    func match(head: Int) -> DecomposedLayerNorm? {
        guard isMean(head), let x = reads[head].first, x >= 0, let m = value(head),
              let sub = only(m), isBinary(sub, .sub), reads[sub] == [x, m], let d = value(sub),
              readers[d].count == 2, let pow = readers[d].first(where: { isBinary($0, .pow) }),
              reads[pow].first == d, let two = constant(pow, besides: d),
              let p = value(pow), let mean = only(p), isMean(mean), reads[mean].first == p,
              let v = value(mean), let add = only(v), isBinary(add, .add), let eps = constant(add, besides: v),
              let e = value(add), let sqrt = only(e), isSqrt(sqrt), let s = value(sqrt),
              let div = only(s), isBinary(div, .div), reads[div] == [d, s], readers[d].contains(div),
              var last = value(div, last: true) else { return nil }
        var absorbed = [sub, pow, mean, add, sqrt, div], weight: Int?, bias: Int?
        if let mul = only(last), isBinary(mul, .mul), let g = constant(mul, besides: last),
           let y = value(mul, last: true) {
            absorbed.append(mul); weight = g; last = y
        }
        if let plus = only(last), isBinary(plus, .add), let b = constant(plus, besides: last),
           let z = value(plus, last: true) {
            absorbed.append(plus); bias = b; last = z
        }
        let axes = reads[head].count > 1 ? reads[head][1] : -1
        guard axes < 0 || constants.contains(axes), reads[mean].dropFirst() == reads[head].dropFirst(),
              let reduce = nodes[head].op as? ReduceOperator, let second = nodes[mean].op as? ReduceOperator,
              reduce.axesAttribute == second.axesAttribute, reduce.noopWithEmptyAxes == second.noopWithEmptyAxes
        else { return nil }
        return DecomposedLayerNorm(absorbed: absorbed, input: x, exponent: two, epsilon: eps, weight: weight,
                                   bias: bias, output: last, reduce: reduce, axes: axes)
    }

    /// The node's single output, when it is not a graph output (the chain's last value may be one).
    private func value(_ node: Int, last: Bool = false) -> Int? {
        guard writes[node].count == 1, writes[node][0] >= 0, last || !outputs.contains(writes[node][0]) else {
            return nil
        }
        return writes[node][0]
    }

    /// The only node reading `slot`, when no graph output does.
    private func only(_ slot: Int) -> Int? {
        readers[slot].count == 1 && !outputs.contains(slot) ? readers[slot][0] : nil
    }

    /// A two-input node's other operand when it is a constant.
    private func constant(_ node: Int, besides slot: Int) -> Int? {
        guard reads[node].count == 2, reads[node].contains(slot), let other = reads[node].first(where: { $0 != slot }),
              constants.contains(other) else { return nil }
        return other
    }

    private func isMean(_ i: Int) -> Bool {
        guard let r = nodes[i].op as? ReduceOperator, r.kind == .mean, r.keepDims else { return false }
        return true
    }

    private func isSqrt(_ i: Int) -> Bool { (nodes[i].op as? UnaryOperator)?.function == .sqrt }

    private func isBinary(_ i: Int, _ f: BinaryOperator.Function) -> Bool {
        guard let op = nodes[i].op as? BinaryOperator else { return false }
        switch (op.function, f) {
        case (.add, .add), (.sub, .sub), (.mul, .mul), (.div, .div), (.pow, .pow): return true
        default: return false
        }
    }
}
