import PruneAutodiff
import PruneTensor

/// GELU's tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (Hendrycks & Gimpel 2016; GPT-2's
/// `gelu_new`) as TorchScript exports write it: `Mul(x, 0.5)`, `Pow(x, 3)`, `Mul 0.044715`, `Add x`,
/// `Mul √(2/π)`, `Tanh`, `Add 1`, and the product of the first and the last — eight passes over a
/// transformer's widest activations. Inference runs them as one pass of ``Tensor/geluTanh()`` when the
/// constants are those. A ``FusedNodePattern`` found at the first of x's three readers, whatever the nodes'
/// order; the values differ from the nodes' by float rounding only.
struct DecomposedGeluTanh: FusedNodePattern {
    let absorbed: [Int]
    let output: Int
    let input: Int
    /// The constants: the first factor (0.5), the exponent (3), the cubic's coefficient (0.044715), the
    /// scale (√(2/π)) and the one added to tanh.
    let half: Int, exponent: Int, cubic: Int, scale: Int, one: Int

    func run(_ slots: [GraphValue?]) throws -> GraphValue? {
        guard case .float(let x)? = slots[input], PatternGraph.scalar(half, in: slots) == 0.5,
              PatternGraph.scalar(exponent, in: slots) == 3, PatternGraph.scalar(one, in: slots) == 1,
              let c = PatternGraph.scalar(cubic, in: slots), abs(c - 0.044715) <= 1e-7,
              let s = PatternGraph.scalar(scale, in: slots), abs(s - 0.7978845608028654) <= 1e-6 else { return nil }
        return .float(Variable(x.value.geluTanh()))
    }

    static func match(head: Int, in g: PatternGraph) -> DecomposedGeluTanh? {
        for x in g.reads[head] where x >= 0 && !g.constants.contains(x) {
            if let found = match(head: head, input: x, in: g) { return found }
        }
        return nil
    }

    /// x's readers are the first Mul, the Pow and the Add, `head` the first of them; each later value is read
    /// only by the next node.
    private static func match(head: Int, input x: Int, in g: PatternGraph) -> DecomposedGeluTanh? {
        let readers = g.readers[x]
        guard readers.count == 3, readers.min() == head,
              let first = readers.first(where: { g.isBinary($0, .mul) }), let half = g.constant(first, besides: x),
              let pow = readers.first(where: { g.isBinary($0, .pow) }), g.reads[pow].first == x,
              let exponent = g.constant(pow, besides: x), let p = g.value(pow),
              let cubicMul = g.only(p), g.isBinary(cubicMul, .mul), let cubic = g.constant(cubicMul, besides: p),
              let q = g.value(cubicMul), let add = g.only(q), readers.contains(add), g.isBinary(add, .add),
              Set(g.reads[add]) == [x, q], let r = g.value(add),
              let scaleMul = g.only(r), g.isBinary(scaleMul, .mul), let scale = g.constant(scaleMul, besides: r),
              let s = g.value(scaleMul), let tanh = g.only(s), g.isUnary(tanh, .tanh), let t = g.value(tanh),
              let plus = g.only(t), g.isBinary(plus, .add), let one = g.constant(plus, besides: t),
              let u = g.value(plus), let a = g.value(first), let last = g.only(a), last == g.only(u),
              g.isBinary(last, .mul), let out = g.value(last, last: true) else { return nil }
        let chain = [first, pow, cubicMul, add, scaleMul, tanh, plus, last]
        return DecomposedGeluTanh(absorbed: chain.filter { $0 != head }, output: out, input: x, half: half,
                                  exponent: exponent, cubic: cubic, scale: scale, one: one)
    }
}
