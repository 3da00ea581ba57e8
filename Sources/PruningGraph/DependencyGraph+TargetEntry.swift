import PruneNN

/// Finding the stored integer that holds one entry of a Reshape's target, so that pruning rewrites it.
extension DependencyGraph {
    /// Where entry `index` of a Reshape's target is stored: `repeats` says how many times the
    /// channels repeat in the stored number (1 when it is a constant factor holding the channels alone).
    struct TargetEntry {
        let constant: String
        let index: Int
        let channels: Int
        let repeats: Int
    }

    /// Where entry `index` of a Reshape's target is stored, or nil when it cannot be rewritten:
    /// - a positive constant in the target itself (`x.view(-1, 64)` exported as [-1, 64]) or in a
    ///   constant piece of the Concat that builds it (`x.size()[:-1] + (nf,)`, GPT-2's Conv1D);
    /// - a piece computed from constants and channel extents only (`E = x.size(-1)` in TorchScript's
    ///   `nn.MultiheadAttention`): it is the same for every input, so it becomes a constant first;
    /// - a computed `N · H` whose channels (`H`, a constant factor) repeat `folded` (`N`) times.
    func targetEntry(_ node: GraphNode, index: Int, folded: Int = 1, space: Space? = nil,
                     graph: GraphModel) -> TargetEntry? {
        var name = node.inputs[1], position = index
        var holder = (output: node.outputs[0], input: 1)
        var path: [(concat: String, piece: Int, offset: Int)] = []
        while true {
            if case .integer(let t)? = graph.constants[name] {
                guard position < t.values.count, t.values[position] > 0,
                      let reader = graph.nodes.first(where: { $0.outputs.first == holder.output }) else { return nil }
                return TargetEntry(constant: untiedConstant(reader, input: holder.input, graph: graph),
                                   index: position, channels: t.values[position], repeats: folded)
            }
            if let pieces = concatPieces[name], let concat = graph.nodes.first(where: { $0.outputs.first == name }) {
                var offset = 0
                guard let k = pieces.indices.first(where: { k in
                    defer { offset += pieces[k].count }
                    return position >= offset && position < offset + pieces[k].count
                }) else { return nil }
                offset -= pieces[k].count
                path.append((name, k, offset))
                holder = (concat.outputs[0], k)
                name = pieces[k].name
                position -= offset
                continue
            }
            if let constant = materialize(name, readBy: holder, path: path, graph: graph) {
                name = constant
                continue
            }
            return factorEntry(name, position: position, folded: folded, space: space, graph: graph)
        }
    }

    /// Stores a computed integer whose entries the input does not decide as a new constant read by
    /// `holder` in its place; the Concats on `path` record those entries as constants. Nil otherwise.
    private func materialize(_ name: String, readBy holder: (output: String, input: Int),
                             path: [(concat: String, piece: Int, offset: Int)], graph: GraphModel) -> String? {
        // Every extent read must belong to channels some layer reads or writes: an axis only guessed to
        // hold channels (a graph input's, before any layer took it) may be a length the input decides.
        guard let record = shapeRecords[name], let value = record.value,
              record.entries.allSatisfy({ !$0.dynamic && ($0.copies + $0.derived).allSatisfy(\.hasLayer) }),
              let i = graph.nodes.firstIndex(where: { $0.outputs.first == holder.output }) else { return nil }
        let constant = freshName(name + "__static", graph: graph)
        graph.constants[constant] = .integer(value)
        graph.nodes[i].inputs[holder.input] = constant
        var offset = 0
        for step in path.reversed() {
            offset += step.offset
            if let r = shapeRecords[step.concat] {
                shapeRecords[step.concat] = r.replacing(offset..<(offset + record.count),
                                                        with: Array(repeating: .constant, count: record.count))
            }
        }
        if let last = path.last { concatPieces[last.concat]?[last.piece].name = constant }
        return constant
    }

    /// A one-entry piece computed as `N · H` (through Unsqueeze, Cast or Reshape) where `N` is the
    /// number of times the channels repeat and `H` a constant: `H` is the entry to rewrite, alone.
    private func factorEntry(_ name: String, position: Int, folded: Int, space: Space?,
                             graph: GraphModel) -> TargetEntry? {
        guard folded >= 1, position == 0, let record = shapeRecords[name], record.count == 1,
              let entry = record.value?.values.first else { return nil }
        var source = name
        while let node = graph.nodes.first(where: { $0.outputs.first == source }) {
            let passes = node.op is SqueezeOperator || node.op is ReshapeOperator
                || (node.op as? CastOperator)?.toInteger == true
            if passes, shapeRecords[node.inputs[0]]?.count == 1 { source = node.inputs[0]; continue }
            guard let mul = node.op as? BinaryOperator, case .mul = mul.function, node.inputs.count == 2 else {
                return nil
            }
            for (c, other) in [(0, 1), (1, 0)] {
                guard case .integer(let h)? = graph.constants[node.inputs[c]], h.values.count == 1, h.values[0] > 0,
                      shapeRecords[node.inputs[other]]?.value?.values == [folded], h.values[0] * folded == entry
                else { continue }
                let constant = privateConstant(node, input: c, graph: graph)
                if let space { factorClaims[constant, default: []].append(space) }
                return TargetEntry(constant: constant, index: 0, channels: h.values[0], repeats: 1)
            }
            return nil
        }
        return nil
    }

    /// The constant input `input` of `node` reads, copied for it alone when other nodes read it too.
    private func privateConstant(_ node: GraphNode, input: Int, graph: GraphModel) -> String {
        let name = node.inputs[input]
        let readers = graph.nodes.reduce(0) { $0 + $1.inputs.filter { $0 == name }.count }
        guard readers > 1 || graph.outputNames.contains(name),
              let i = graph.nodes.firstIndex(where: { $0.outputs.first == node.outputs.first }) else { return name }
        let copy = freshName(name + "__factor", graph: graph)
        graph.constants[copy] = graph.constants[name]
        graph.nodes[i].inputs[input] = copy
        return copy
    }

    /// The constant input `input` of `node` reads, or a copy of it when another rewrite in this trace
    /// already uses it (exporters share one shape constant among many nodes whose channels may differ).
    func untiedConstant(_ node: GraphNode, input: Int, graph: GraphModel) -> String {
        let name = node.inputs[input]
        if claimedConstants.insert(name).inserted { return name }
        let copy = freshName(name, graph: graph)
        graph.constants[copy] = graph.constants[name]
        if let i = graph.nodes.firstIndex(where: { $0.outputs.first == node.outputs.first }) {
            graph.nodes[i].inputs[input] = copy
        }
        claimedConstants.insert(copy)
        return copy
    }

    /// `base__2`, `base__3`, …: the first name no constant has.
    private func freshName(_ base: String, graph: GraphModel) -> String {
        var k = 2, name = base + "__\(k)"
        while graph.constants[name] != nil { k += 1; name = base + "__\(k)" }
        return name
    }
}
