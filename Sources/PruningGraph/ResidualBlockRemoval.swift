import PruneAutodiff
import PruneNN
import PruneTensor

/// Removes whole residual blocks: a block y = act(body(x) + x) whose body adds little is replaced
/// by act(x). Blocks are scored by their relative contribution ‖body(x)‖ / ‖x‖ on calibration
/// inputs (the residual-network counterpart of Block Influence; Veit et al., "Residual Networks
/// Behave Like Ensembles of Relatively Shallow Networks", NeurIPS 2016, showed single blocks can
/// go with little loss). Only blocks with an identity shortcut can go: the others change shape.
public enum ResidualBlockRemoval {
    /// A removable block and its score.
    public struct Candidate: Sendable, Codable {
        public var path: String
        public var relativeContribution: Double
    }

    /// Scores every removable block of `model` on `inputs`.
    public static func candidates(_ model: any Module, inputs: Tensor) throws -> [Candidate] {
        var found: [Candidate] = []
        func visit(_ m: any Module, _ path: String, _ x: Variable) throws -> Variable {
            func child(_ n: String) -> String { path.isEmpty ? n : path + "." + n }
            if let s = m as? Sequential {
                var h = x
                for (n, c) in s.layers { h = try visit(c, child(n), h) }
                return h
            }
            if let r = m as? Residual {
                let body = try r.body.forward(x)
                if r.shortcut == nil {
                    let b = body.value.scalars, xs = x.value.scalars
                    let nb = b.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
                    let nx = xs.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
                    found.append(Candidate(path: path, relativeContribution: nx > 0 ? nb / nx : .infinity))
                }
                let sum = try body + (r.shortcut?.forward(x) ?? x)
                return try r.activation?.forward(sum) ?? sum
            }
            return try m.forward(x)
        }
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        _ = try withNoGrad { try visit(model, "", Variable(inputs)) }
        return found
    }

    /// Removes the `count` blocks with the smallest relative contribution; returns their paths.
    @discardableResult
    public static func remove(_ count: Int, from model: any Module, inputs: Tensor) throws -> [String] {
        let c = try candidates(model, inputs: inputs).sorted { $0.relativeContribution < $1.relativeContribution }
        guard count <= c.count else {
            throw StructuredPruningError.invalid("impossible target: \(count) residual blocks to remove, but only \(c.count) have an identity shortcut")
        }
        var removed: [String] = []
        for cand in c.prefix(count) where try removeBlock(at: cand.path, from: model) { removed.append(cand.path) }
        return removed
    }

    /// Replaces the residual block at `path` by its activation alone; false when no block is there.
    @discardableResult
    public static func removeBlock(at path: String, from model: any Module) throws -> Bool {
        guard let r = try model.module(at: path) as? Residual else { return false }
        try model.replaceModule(at: path, with: Sequential(r.activation.map { [$0] } ?? []))
        return true
    }
}
