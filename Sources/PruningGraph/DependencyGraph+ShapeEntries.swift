import PruneNN

/// Following the integer values a graph computes from tensor shapes, entry by entry (``ShapeEntryOrigin``):
/// a Shape reads a channel extent on the axis that carries a value's channels and an input-decided
/// extent elsewhere; operators that move entries (Gather, Slice, Concat, Unsqueeze, …) are run on
/// labels to see where each entry goes; arithmetic combines the entries it reads.
extension DependencyGraph {
    /// Records the origin of every entry of a node's integer outputs.
    func recordShapeEntries(_ node: GraphNode, args: [GraphValue?], results: [GraphValue],
                            flows: [String: Flow], graph: GraphModel) {
        for (k, (name, result)) in zip(node.outputs, results).enumerated() where !name.isEmpty {
            guard case .integer(let t) = result else { continue }
            shapeRecords[name] = ShapeRecord(value: t, origins: entryOrigins(node, output: k, args: args, result: t,
                                                                             flows: flows, graph: graph))
        }
    }

    /// The origin of entry `i` of an integer value: recorded, a graph constant, or decided by the input.
    func origin(of name: String, entry i: Int, graph: GraphModel) -> ShapeEntryOrigin {
        if let r = shapeRecords[name] { return r[i] }
        return graph.constants[name] != nil ? .constant : .input
    }

    /// After tracing: a channel extent that shape arithmetic computed on and that still reaches a float
    /// operator would change wrongly with the channels (`E / H` as a head size), so those channels are
    /// fixed; the extent of the axis that carries the output's channels (`KV · rep` in an Expand of key
    /// heads) follows them and is left alone. Constant factors rewritten for spaces that did not end in
    /// one group are fixed as well.
    func fixDerivedShapeReads(_ g: GraphModel, values: [String: GraphValue], flows: [String: Flow]) {
        func isFloat(_ name: String) -> Bool { if case .float? = values[name] { true } else { false } }
        for node in g.nodes where node.outputs.contains(where: isFloat) {
            let shapes = node.op is ReshapeOperator || node.op is ExpandOperator
            let channelAxis = shapes ? flows[node.outputs[0]]?.axis : nil
            for (j, input) in node.inputs.enumerated() {
                for (i, origin) in (shapeRecords[input]?.entries ?? []).enumerated()
                where !(j == 1 && i == channelAxis) {
                    origin.derived.forEach(fixWithSplits)
                }
            }
        }
        for spaces in factorClaims.values where Set(spaces.map { ObjectIdentifier($0.root) }).count > 1 {
            spaces.forEach(fix)
        }
    }

    /// Fixes a space and every space that took over its channels (heads, packed segments): the
    /// extent read from it changes when any of them is pruned.
    private func fixWithSplits(_ space: Space) {
        var todo = [space], seen = Set<ObjectIdentifier>()
        while let s = todo.popLast() {
            guard seen.insert(ObjectIdentifier(s)).inserted else { continue }
            fix(s)
            todo += (splitSpaces[ObjectIdentifier(s)] ?? []) + (splitSpaces[ObjectIdentifier(s.root)] ?? [])
        }
    }

    private func entryOrigins(_ node: GraphNode, output k: Int, args: [GraphValue?], result t: IntegerTensor,
                              flows: [String: Flow], graph: GraphModel) -> [ShapeEntryOrigin] {
        let n = t.values.count
        if let s = node.op as? ShapeOperator, let v = args.first ?? nil {
            let rank = v.shape.count
            func clamp(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + rank : i, 0), rank) }
            let flow = flows[node.inputs[0]]
            return (clamp(s.start)..<Swift.max(clamp(s.start), clamp(s.end ?? rank))).map { axis in
                guard let flow, flow.axis == axis, flow.folded == 1 else { return .input }
                return ShapeEntryOrigin(copies: [flow.space])
            }
        }
        if k == 0, Self.moves(node.op), let moved = movedOrigins(node, args: args, count: n, graph: graph) {
            return moved
        }
        if k == 0, Self.computes(node.op), n <= ShapeRecord.maxEntries {
            return broadcastOrigins(node, args: args, shape: t.shape, graph: graph)
        }
        let combined = ShapeEntryOrigin.combining(allOrigins(node.inputs.indices, node, args, graph))
        return n > ShapeRecord.maxEntries ? [combined] : Array(repeating: combined, count: n)
    }

    /// Operators that only move integer entries, so that running them on labels shows where each goes.
    private static func moves(_ op: any GraphOperator) -> Bool {
        if let c = op as? CastOperator, case .integer(let bits, _) = c.target { return bits >= 16 }
        if let u = op as? UnaryOperator { return u.function == .identity }
        return op is GatherOperator || op is SliceOperator || op is SqueezeOperator || op is ReshapeOperator
            || op is FlattenOperator || op is TransposeOperator || op is ConcatOperator || op is ExpandOperator
            || op is TileOperator || op is WhereOperator
    }

    /// Elementwise arithmetic: each entry combines the entries of its operands it is computed from.
    private static func computes(_ op: any GraphOperator) -> Bool {
        op is BinaryOperator || op is VariadicOperator || op is UnaryOperator || op is CastOperator
            || op is LogicOperator
    }

    /// Every entry origin of the given inputs (one combined origin for a large value; `.input` for a
    /// float one, which the input computes).
    private func allOrigins(_ inputs: some Sequence<Int>, _ node: GraphNode, _ args: [GraphValue?],
                            _ graph: GraphModel) -> [ShapeEntryOrigin] {
        inputs.flatMap { j -> [ShapeEntryOrigin] in
            let name = node.inputs[j]
            guard !name.isEmpty, let arg = args[j] else { return [] }
            guard case .integer(let t) = arg else { return [.input] }
            if let r = shapeRecords[name] { return r.entries }
            return graph.constants[name] != nil ? [.constant] : t.values.isEmpty ? [] : [.input]
        }
    }

    /// The data inputs (all of a Concat's, a Where's two branches, the first of anything else)
    /// replaced by labels, the operator run, and each output entry given the origin of the entry its
    /// label names; the other inputs (indices, starts, a target shape) add their own origins to every
    /// entry (a Where's condition, to the entries it chose).
    private func movedOrigins(_ node: GraphNode, args: [GraphValue?], count: Int,
                              graph: GraphModel) -> [ShapeEntryOrigin]? {
        let select = node.op is WhereOperator
        guard count <= ShapeRecord.maxEntries else { return nil }
        let data = node.op is ConcatOperator ? Array(node.inputs.indices) : select ? [1, 2] : [0]
        var labelled = args, sources: [(input: String, entry: Int)] = []
        for j in data where j < args.count {
            guard case .integer(let t)? = args[j], t.values.count <= ShapeRecord.maxEntries,
                  let labels = try? IntegerTensor(shape: t.shape, values: t.values.indices.map { sources.count + $0 })
            else { return nil }
            sources += t.values.indices.map { (node.inputs[j], $0) }
            labelled[j] = .integer(labels)
        }
        guard case .integer(let moved)? = try? node.op.run(labelled).first, moved.values.count == count,
              moved.values.allSatisfy({ sources.indices.contains($0) }) else { return nil }
        let others = select ? ShapeEntryOrigin.constant
            : .combining(allOrigins(node.inputs.indices.filter { !data.contains($0) }, node, args, graph))
        return moved.values.enumerated().map { i, label in
            var o = origin(of: sources[label].input, entry: sources[label].entry, graph: graph)
            if select, let condition = args[0] {
                let c = origin(of: node.inputs[0],
                               entry: Self.broadcastSource(i, outShape: moved.shape, inShape: condition.shape),
                               graph: graph)
                o.dynamic = o.dynamic || c.dynamic
                o.derived += c.copies + c.derived
            }
            o.dynamic = o.dynamic || others.dynamic
            o.derived += others.derived
            return o
        }
    }

    /// Elementwise arithmetic with broadcasting: output entry i combines the operand entries it reads.
    private func broadcastOrigins(_ node: GraphNode, args: [GraphValue?], shape: [Int],
                                  graph: GraphModel) -> [ShapeEntryOrigin] {
        let n = shape.reduce(1, *)
        return (0..<n).map { i in
            var read: [ShapeEntryOrigin] = []
            for (j, name) in node.inputs.enumerated() where !name.isEmpty {
                guard let arg = args[j] else { continue }
                guard case .integer = arg else { read.append(.input); continue }
                read.append(origin(of: name, entry: Self.broadcastSource(i, outShape: shape, inShape: arg.shape),
                                   graph: graph))
            }
            return .combining(read)
        }
    }

    /// The flat index of an operand of shape `inShape` that output entry `i` reads under broadcasting.
    static func broadcastSource(_ i: Int, outShape: [Int], inShape: [Int]) -> Int {
        var rest = i, index = 0, step = 1
        for k in stride(from: outShape.count - 1, through: 0, by: -1) {
            let coordinate = rest % Swift.max(outShape[k], 1)
            rest /= Swift.max(outShape[k], 1)
            let j = k - (outShape.count - inShape.count)
            guard j >= 0 else { continue }
            index += (inShape[j] == 1 ? 0 : coordinate) * step
            step *= inShape[j]
        }
        return index
    }
}
