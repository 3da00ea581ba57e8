import PruneTensor

extension Variable {
    /// Back-propagates from this variable. `seed` is the gradient of the final objective with
    /// respect to this value; it defaults to ones (so a scalar loss needs none).
    public func backward(_ seed: Tensor? = nil) throws {
        guard requiresGrad else { return }
        let start = seed ?? Tensor.ones(value.shape)
        guard start.shape == value.shape else {
            throw TensorError.shapeMismatch(op: "backward", shapes: [start.shape, value.shape],
                                            reason: "seed must have the value's shape")
        }
        let order = topologicalOrder()
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): start]
        for node in order.reversed() {
            guard let g = grads.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            if let vjp = node.vjp {
                let parentGrads = try vjp(g)
                for (p, pg) in zip(node.parents, parentGrads) where p.requiresGrad {
                    guard let pg else { continue }
                    let key = ObjectIdentifier(p)
                    if var existing = grads[key] {
                        grads[key] = nil
                        try existing.add(pg)
                        grads[key] = existing
                    } else {
                        grads[key] = pg
                    }
                }
            } else if let sink = node.gradientSink {
                try sink(g)
            } else {
                if var existing = node.grad { try existing.add(g); node.grad = existing } else { node.grad = g }
            }
        }
    }

    /// Nodes that need gradients, each after all of its parents (iterative depth-first search).
    func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Variable, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (node, start) = stack.popLast() {
            var next = start
            var pushedChild = false
            while next < node.parents.count {
                let p = node.parents[next]
                next += 1
                if p.requiresGrad && !visited.contains(ObjectIdentifier(p)) {
                    visited.insert(ObjectIdentifier(p))
                    stack.append((node, next))
                    stack.append((p, 0))
                    pushedChild = true
                    break
                }
            }
            if !pushedChild { order.append(node) }
        }
        return order
    }
}

/// The gradient of a scalar-valued `f` at `inputs`, one tensor per input.
public func gradient(at inputs: [Tensor], of f: ([Variable]) throws -> Variable) throws -> [Tensor] {
    let vars = inputs.map { Variable($0, requiresGrad: true) }
    let out = try GradMode.$isEnabled.withValue(true) { try f(vars) }
    try out.backward()
    return vars.map { $0.grad ?? Tensor.zeros($0.shape) }
}
