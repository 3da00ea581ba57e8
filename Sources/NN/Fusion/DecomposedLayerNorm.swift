import PruneAutodiff
import PruneTensor

/// A layer normalization (Ba, Kiros & Hinton 2016) that an exporter wrote out node by node — ONNX has
/// LayerNormalization only from opset 17, so TorchScript exports of BERT, ViT or `nn.TransformerEncoder`
/// at opset 14 carry `m = ReduceMean(x)`, `d = x − m`, `v = ReduceMean(d²)`, `d / √(v + ε)`, then `· γ`
/// and `+ β`: nine nodes and as many passes over the activations. Inference runs the whole chain as one
/// pass of the LayerNorm kernel (``Tensor/layerNormRows(_:weight:bias:epsilon:)``) when it has this shape
/// exactly: the mean over the last axis with dimensions kept, the exponent 2, a scalar ε, and γ, β constants
/// with one value per element of a row (either may be absent). A ``FusedNodePattern``; the values differ
/// from the nodes' by float rounding only (the tests hold them to 1e-5).
struct DecomposedLayerNorm: FusedNodePattern {
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
              PatternGraph.scalar(exponent, in: slots) == 2, let eps = PatternGraph.scalar(epsilon, in: slots),
              let w = try row(weight, n, slots, default: 1), let b = try row(bias, n, slots, default: 0) else {
            return nil
        }
        return .float(Variable(Tensor.layerNormRows(x.value, weight: w, bias: b, epsilon: eps)))
    }

    /// γ or β as one value per element of a row ([n], or [1, …, 1, n]); `fill` when the chain has none.
    private func row(_ slot: Int?, _ n: Int, _ slots: [GraphValue?], default fill: Float) throws -> Tensor? {
        guard let slot else { return Tensor(unchecked: [n], [Float](repeating: fill, count: n)) }
        guard case .float(let v)? = slots[slot], v.value.count == n, v.shape.last == n else { return nil }
        return v.value
    }
}

extension DecomposedLayerNorm {
    /// Follows the chain from its first ReduceMean: each value must have the expected readers and not be a
    /// graph output.
    static func match(head: Int, in g: PatternGraph) -> DecomposedLayerNorm? {
        guard isMean(head, g), let x = g.reads[head].first, x >= 0, let m = g.value(head),
              let sub = g.only(m), g.isBinary(sub, .sub), g.reads[sub] == [x, m], let d = g.value(sub),
              g.readers[d].count == 2, let pow = g.readers[d].first(where: { g.isBinary($0, .pow) }),
              g.reads[pow].first == d, let two = g.constant(pow, besides: d),
              let p = g.value(pow), let mean = g.only(p), isMean(mean, g), g.reads[mean].first == p,
              let v = g.value(mean), let add = g.only(v), g.isBinary(add, .add), let eps = g.constant(add, besides: v),
              let e = g.value(add), let sqrt = g.only(e), g.isUnary(sqrt, .sqrt), let s = g.value(sqrt),
              let div = g.only(s), g.isBinary(div, .div), g.reads[div] == [d, s], g.readers[d].contains(div),
              var last = g.value(div, last: true) else { return nil }
        var absorbed = [sub, pow, mean, add, sqrt, div], weight: Int?, bias: Int?
        if let mul = g.only(last), g.isBinary(mul, .mul), let w = g.constant(mul, besides: last),
           let y = g.value(mul, last: true) {
            absorbed.append(mul); weight = w; last = y
        }
        if let plus = g.only(last), g.isBinary(plus, .add), let b = g.constant(plus, besides: last),
           let z = g.value(plus, last: true) {
            absorbed.append(plus); bias = b; last = z
        }
        let axes = g.reads[head].count > 1 ? g.reads[head][1] : -1
        guard axes < 0 || g.constants.contains(axes), g.reads[mean].dropFirst() == g.reads[head].dropFirst(),
              let reduce = g.nodes[head].op as? ReduceOperator, let second = g.nodes[mean].op as? ReduceOperator,
              reduce.axesAttribute == second.axesAttribute, reduce.noopWithEmptyAxes == second.noopWithEmptyAxes
        else { return nil }
        return DecomposedLayerNorm(absorbed: absorbed, input: x, exponent: two, epsilon: eps, weight: weight,
                                   bias: bias, output: last, reduce: reduce, axes: axes)
    }

    private static func isMean(_ i: Int, _ g: PatternGraph) -> Bool {
        guard let r = g.nodes[i].op as? ReduceOperator, r.kind == .mean, r.keepDims else { return false }
        return true
    }
}
