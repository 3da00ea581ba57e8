import PruneAutodiff
import PruneTensor

/// The exact GELU x·Φ(x) (Hendrycks & Gimpel 2016) as an exporter writes it before ONNX had Gelu (opset 20):
/// `Div(x, √2)`, `Erf`, `Add 1`, `Mul x`, `Mul 0.5` — five passes over a transformer's widest activations.
/// Inference runs the chain as one pass of the GELU kernel (``Tensor/gelu()``) when the constants are
/// those (√2 to float precision, 1, 0.5). A ``FusedNodePattern``; the values differ from the nodes' by
/// float rounding only.
struct DecomposedGelu: FusedNodePattern {
    let absorbed: [Int]
    let output: Int
    let input: Int
    /// The constants the chain divides by, adds and multiplies by last.
    let root2: Int, one: Int, half: Int

    func run(_ slots: [GraphValue?]) throws -> GraphValue? {
        guard case .float(let x)? = slots[input], let r = PatternGraph.scalar(root2, in: slots),
              abs(r - Float(2).squareRoot()) <= 1e-6, PatternGraph.scalar(one, in: slots) == 1,
              PatternGraph.scalar(half, in: slots) == 0.5 else { return nil }
        return .float(Variable(x.value.gelu()))
    }

    /// Follows the chain from its Div: each value read only by the next node and not a graph output.
    static func match(head: Int, in g: PatternGraph) -> DecomposedGelu? {
        guard g.isBinary(head, .div), let x = g.reads[head].first, x >= 0, let root2 = g.constant(head, besides: x),
              g.reads[head][0] == x, let a = g.value(head), let erf = g.only(a), g.isUnary(erf, .erf),
              let b = g.value(erf), let add = g.only(b), g.isBinary(add, .add), let one = g.constant(add, besides: b),
              let c = g.value(add), let mul = g.only(c), g.isBinary(mul, .mul), Set(g.reads[mul]) == [x, c],
              let d = g.value(mul), let last = g.only(d), g.isBinary(last, .mul),
              let half = g.constant(last, besides: d), let e = g.value(last, last: true) else { return nil }
        return DecomposedGelu(absorbed: [erf, add, mul, last], output: e, input: x, root2: root2, one: one, half: half)
    }
}
