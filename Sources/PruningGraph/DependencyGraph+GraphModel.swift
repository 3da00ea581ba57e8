import PruneAutodiff
import PruneNN
import PruneTensor

/// Tracing through an imported dataflow graph: each float value carries the channel space of one
/// of its axes, and each operator's ``ChannelFlow`` says how that space passes, merges (residual
/// additions), concatenates or becomes fixed (attention heads, softmax over channels, slicing).
extension DependencyGraph {
    /// The channel space of a value, the axis that carries it, how many consecutive features each
    /// channel covers on that axis (after a flatten), and how many times the channels repeat along it
    /// (`folded`: the heads of [N, H, T, d] reshaped to [N·H, T, d] repeat N times). The axis holds
    /// `folded · channels · expansion` entries; channel c of entry i is `(i / expansion) % channels`.
    struct Flow {
        var space: Space
        var axis: Int
        var expansion: Int
        var folded = 1

        /// The same channels on another axis.
        func moved(to axis: Int) -> Flow { Flow(space: space, axis: axis, expansion: expansion, folded: folded) }
    }

    func traceGraph(_ g: GraphModel, path: String, x: Variable, space: Space,
                    expansion: Int) throws -> (Variable, Space) {
        var paths: [ObjectIdentifier: String] = [:]
        for (p, m) in g.namedModules(prefix: path) { paths[ObjectIdentifier(m)] = p }
        guard let first = g.inputs.first, let output = g.outputNames.first else {
            throw StructuredPruningError.invalid("the graph has no input or output")
        }
        let feeds = try g.feeds(for: x)
        var values = g.constants.merging(feeds) { _, fed in fed }
        var flows: [String: Flow] = [:]
        if !first.isInteger, let shape = feeds[first.name]?.shape {
            flows[first.name] = inputFlow(shape, graph: g, space: space, expansion: expansion)
        }
        for node in g.nodes {
            let args = node.inputs.map { $0.isEmpty ? nil : values[$0] }
            let inFlows = node.inputs.map { $0.isEmpty ? nil : flows[$0] }
            if let (y, flow) = try traceModule(node, args: args, flow: inFlows.first ?? nil, paths: paths) {
                values[node.outputs[0]] = .float(y)
                flows[node.outputs[0]] = flow
                continue
            }
            let results = try node.op.run(args)
            for (name, r) in zip(node.outputs, results) where !name.isEmpty { values[name] = r }
            recordShapeEntries(node, args: args, results: results, flows: flows, graph: g)
            if node.op is SplitOperator, let f = inFlows[0],
               let segments = splitSegments(node, args: args, flow: f, results: results, graph: g) {
                for (name, flow) in zip(node.outputs, segments) where !name.isEmpty { flows[name] = flow }
                continue
            }
            if node.op is ConcatOperator, case .integer? = results.first, let out = node.outputs.first {
                concatPieces[out] = zip(node.inputs, args).map { ($0, $1?.shape.reduce(1, *) ?? 0) }
            }
            if let out = node.outputs.first, let preset = presetFlows[out] { flows[out] = preset; continue }
            let floatOutputs = zip(node.outputs, results).filter {
                if case .float = $0.1 { return !$0.0.isEmpty } else { return false }
            }
            guard !floatOutputs.isEmpty else { continue }
            let outShape = floatOutputs[0].1.shape
            let flowed = inFlows.enumerated().compactMap { i, f in f.map { (i, $0) } }
            guard !flowed.isEmpty else { continue }   // constants only: no channels
            let result: Flow?
            do { result = try flowThrough(node, args: args, flowed: flowed, outShape: outShape, graph: g) } catch {
                throw StructuredPruningError.invalid("node '\(node.name)' (\(node.opType)): \(error)")
            }
            for (name, _) in floatOutputs {
                flows[name] = result ?? fixedFlow(outShape, axis: Self.defaultAxis(rank: outShape.count),
                                                  fixing: flowed.map(\.1))
            }
        }
        fixDerivedShapeReads(g, values: values, flows: flows)
        guard case .float(let y)? = values[output] else {
            throw StructuredPruningError.invalid("the graph output '\(output)' is not a float tensor")
        }
        let last = flows[output].map { $0.folded == 1 ? $0 : fixedFlow(y.shape, axis: $0.axis, fixing: [$0]) }
        lastExpansion = last?.expansion ?? 1
        return (y, last?.space ?? fixedFlow(y.shape, axis: Self.defaultAxis(rank: y.shape.count)).space)
    }

    /// The flow of the graph's first input. The caller sized the input space by axis 1; a sequence
    /// input [N, T, D] carries D channels (and packed inputs are fixed: the caller saw the packed rows).
    private func inputFlow(_ shape: [Int], graph g: GraphModel, space: Space, expansion: Int) -> Flow {
        let axis = Self.defaultAxis(rank: shape.count)
        let inputSpace = axis < shape.count && (shape[axis] != space.root.group.channels || g.inputPacking != nil)
            ? fixedFlow(shape, axis: axis, fixing: [Flow(space: space, axis: 1, expansion: 1)]).space : space
        return Flow(space: inputSpace, axis: axis, expansion: expansion)
    }

    /// A node that runs a layer (Conv, Gemm, normalization): the layer is traced as a module on the
    /// channel axis it wants; nil for other nodes.
    private func traceModule(_ node: GraphNode, args: [GraphValue?], flow: Flow?,
                             paths: [ObjectIdentifier: String]) throws -> (Variable, Flow)? {
        guard case .module = node.op.channelFlow, let m = node.op.module, let input = args.first ?? nil,
              case .float(let v) = input else { return nil }
        let rank = v.shape.count
        let wantsAxis = (m as? any ChannelPrunable)?.channelAxis == .second ? 1 : rank - 1
        var f = flow ?? fixedFlow(v.shape, axis: wantsAxis)
        if f.axis != wantsAxis || f.folded != 1 { f = fixedFlow(v.shape, axis: wantsAxis, fixing: [f]) }
        let (y, out) = try trace(m, path: paths[ObjectIdentifier(m)] ?? node.name, x: v, space: f.space,
                                 expansion: f.expansion)
        return (y, Flow(space: out, axis: wantsAxis == 1 ? 1 : y.shape.count - 1, expansion: lastExpansion))
    }

    static func defaultAxis(rank: Int) -> Int { rank == 3 ? 2 : min(1, max(rank - 1, 0)) }

    /// A new fixed space for a value, fixing the flows that led to it.
    func fixedFlow(_ shape: [Int], axis: Int, fixing: [Flow] = []) -> Flow {
        for f in fixing { fix(f.space) }
        let s = newSpace(channels: axis < shape.count ? shape[axis] : 1)
        s.fixed = true
        return Flow(space: s, axis: min(axis, max(shape.count - 1, 0)), expansion: 1)
    }

    /// The flow of a node's float output, or nil when its channels must be fixed.
    private func flowThrough(_ node: GraphNode, args: [GraphValue?], flowed: [(Int, Flow)], outShape: [Int],
                             graph: GraphModel) throws -> Flow? {
        let (i0, f0) = flowed[0]
        let inShape = args[i0]!.shape
        switch node.op.channelFlow {
        case .none, .module, .fixes:
            return nil
        case .mixes:
            return try matMulBatchAxes(args: args, flowed: flowed, outShape: outShape)
        case .elementwise:
            return try elementwise(node, args: args, flowed: flowed, outShape: outShape, graph: graph)
        case .reduces(let given, let keepDims):
            var axes = given.map { $0 < 0 ? $0 + inShape.count : $0 }
            if let r = node.op as? ReduceOperator { axes = try r.axes(args, rank: inShape.count) }
            guard !axes.contains(f0.axis) else { return nil }
            return f0.moved(to: keepDims ? f0.axis : f0.axis - axes.filter { $0 < f0.axis }.count)
        case .permutes(let perm):
            // The channel axis moves whole, so each channel keeps its consecutive entries on it.
            let p = perm.isEmpty ? Array((0..<inShape.count).reversed()) : perm
            guard let a = p.firstIndex(of: f0.axis) else { return nil }
            return f0.moved(to: a)
        case .relayouts:
            return relayout(node, args: args, f0, inShape: inShape, outShape: outShape, graph: graph)
        case .concatenates(let axis):
            let rank = outShape.count
            let a = axis < 0 ? axis + rank : axis
            let floats = args.enumerated().compactMap { i, v -> Int? in if case .float? = v { return i }; return nil }
            guard flowed.count == floats.count,
                  flowed.allSatisfy({ $0.1.expansion == 1 && $0.1.folded == 1 && $0.1.axis == f0.axis }) else {
                return nil
            }
            if a == f0.axis {
                let out = newSpace(channels: outShape[a])
                out.parts = flowed.map(\.1.space)
                return Flow(space: out, axis: a, expansion: 1)
            }
            return Flow(space: try mergeAll(flowed.map(\.1.space)), axis: f0.axis, expansion: 1)
        case .selects(let axis):
            if node.op is GatherOperator {
                let a = axis < 0 ? axis + inShape.count : axis
                guard i0 == 0, a != f0.axis, f0.expansion == 1 else { return nil }
                let idxRank = args[1]?.shape.count ?? 0
                return f0.moved(to: f0.axis < a ? f0.axis : f0.axis + idxRank - 1)
            }
            // Split or Slice: channels survive only if the channel extent is untouched.
            guard outShape.count == inShape.count, outShape[f0.axis] == inShape[f0.axis],
                  f0.expansion == 1 else { return nil }
            return f0
        }
    }

    /// Operands with channels must share them. A float graph constant that varies along the channel
    /// axis becomes a ``ConstantChannelSlice`` consumer of the group; other constants that vary there
    /// fix the channels. (Values computed from a pruned tensor without a flow, like IsNaN of attention
    /// probabilities, are recomputed from it and need nothing.)
    private func elementwise(_ node: GraphNode, args: [GraphValue?], flowed: [(Int, Flow)], outShape: [Int],
                             graph: GraphModel) throws -> Flow? {
        let rank = outShape.count
        let aligned = flowed.map { (i, f) in (f, f.axis + rank - args[i]!.shape.count, args[i]!.shape[f.axis]) }
        let first = aligned[0]
        guard aligned.allSatisfy({ $0.1 == first.1 && $0.2 == first.2 && $0.0.expansion == first.0.expansion
                                   && $0.0.folded == first.0.folded }),
              outShape[first.1] == first.2 else { return nil }
        var slices: [(input: Int, axis: Int)] = []
        for (i, a) in args.enumerated() where inputIsConstant(i, flowed) && graph.constants[node.inputs[i]] != nil {
            guard let c = a else { continue }
            let ci = first.1 - (rank - c.shape.count)
            guard ci >= 0 && ci < c.shape.count && c.shape[ci] > 1 else { continue }
            guard case .float = c, c.shape[ci] == first.2, first.0.folded == 1 else { return nil }
            slices.append((i, ci))
        }
        let space = try mergeAll(aligned.map(\.0.space))
        if node.op is ExpandOperator, let target = args[1]?.shape.first, target > rank - 1 - first.1 {
            // An Expand to a constant shape that names the channel extent (`repeat_kv` in dynamo exports).
            let index = first.1 - (rank - target)
            if case .integer(let t)? = graph.constants[node.inputs[1]], t.values[index] == first.2 {
                rewriteTarget(node, index: index, space: space, expansion: first.0.expansion,
                              folded: first.0.folded, graph: graph)
            }
        }
        for (i, ci) in slices {
            let name = untiedConstant(node, input: i, graph: graph)
            let member = ConstantChannelSlice(graph: graph, constant: name, axis: ci, channels: first.2)
            add(space, GroupMember(path: node.name + ".input[\(i)]", layer: member, role: .consumer,
                                   expansion: first.0.expansion))
        }
        return Flow(space: space, axis: first.1, expansion: first.0.expansion, folded: first.0.folded)
    }

    /// One space for operands whose channels must match.
    private func mergeAll(_ spaces: [Space]) throws -> Space {
        try spaces.dropFirst().reduce(spaces[0]) { try merge($0, $1) }
    }

    private func inputIsConstant(_ i: Int, _ flowed: [(Int, Flow)]) -> Bool { !flowed.contains { $0.0 == i } }

    /// Reshape, Flatten, Squeeze, Unsqueeze: a flatten of [N, C, …] into [N, C·…] (consumers then see
    /// each channel `expansion` times), or a layout that keeps the channel extent on some axis.
    /// A Reshape whose constant target names the changed extent gets it rewritten when channels go.
    private func relayout(_ node: GraphNode, args: [GraphValue?], _ f: Flow, inShape: [Int], outShape: [Int],
                          graph: GraphModel) -> Flow? {
        func rewriteMember(_ space: Space, index: Int, expansion: Int, folded: Int = 1) {
            guard node.op is ReshapeOperator else { return }
            rewriteTarget(node, index: index, space: space, expansion: expansion, folded: folded, graph: graph)
        }
        if inShape == outShape { return f }
        if packSegmentsAlongAxis(node, flow: f, inShape: inShape, outShape: outShape, graph: graph) { return nil }
        if f.folded > 1 { return regrouped(f, inShape: inShape, outShape: outShape).map { g in
            rewriteMember(g.space, index: g.axis, expansion: g.expansion, folded: g.folded); return g } }
        let c = inShape[f.axis]
        if f.expansion == 1, f.axis == 1, inShape.count >= 3, outShape.count == 2, outShape[0] == inShape[0] {
            let e = inShape[2...].reduce(1, *)
            rewriteMember(f.space, index: 1, expansion: e)
            return Flow(space: f.space, axis: 1, expansion: e)
        }
        let before = inShape[..<f.axis].reduce(1, *), after = inShape[(f.axis + 1)...].reduce(1, *)
        for j in outShape.indices where outShape[..<j].reduce(1, *) == before {
            // The channel axis kept as it is.
            if outShape[j] == c, outShape[(j + 1)...].reduce(1, *) == after {
                rewriteMember(f.space, index: j, expansion: f.expansion)
                return Flow(space: f.space, axis: j, expansion: f.expansion)
            }
            // Channels of `d` features each merged back into one axis ([…, H, d] → […, H·d]).
            if f.axis + 1 < inShape.count, outShape[j] == c * inShape[f.axis + 1],
               outShape[(j + 1)...].reduce(1, *) == inShape[(f.axis + 2)...].reduce(1, *) {
                let d = inShape[f.axis + 1] * f.expansion
                rewriteMember(f.space, index: j, expansion: d)
                return Flow(space: f.space, axis: j, expansion: d)
            }
            // One projection's outputs split into heads ([…, C] → […, H, C/H]): the heads become the channels.
            if f.expansion == 1, j + 1 < outShape.count, outShape[j] * outShape[j + 1] == c, outShape[j] > 1,
               outShape[(j + 2)...].reduce(1, *) == after,
               let heads = headSpace(splitting: f.space, heads: outShape[j], size: outShape[j + 1]) {
                rewriteMember(heads, index: j, expansion: 1)
                return Flow(space: heads, axis: j, expansion: 1)
            }
        }
        if let heads = foldedHeads(f, inShape: inShape, outShape: outShape) {
            rewriteMember(heads.space, index: heads.axis, expansion: 1, folded: heads.folded)
            return heads
        }
        // The channel axis merged with the axes around it (heads folded into the batch axis).
        return regrouped(f, inShape: inShape, outShape: outShape).map { g in
            rewriteMember(g.space, index: g.axis, expansion: g.expansion, folded: g.folded); return g }
    }

    /// Makes entry `index` of a node's constant target (a Reshape's shape, an Expand's) follow the
    /// channels of `space` when it holds their extent.
    private func rewriteTarget(_ node: GraphNode, index: Int, space: Space, expansion: Int, folded: Int,
                               graph: GraphModel) {
        guard node.inputs.count > 1,
              let entry = targetEntry(node, index: index, folded: folded, space: space, graph: graph) else { return }
        let rewrite = ConstantEntryRewrite(graph: graph, constant: entry.constant, index: entry.index,
                                           channels: entry.channels, repeats: entry.repeats)
        add(space, GroupMember(path: node.name + ".shape[\(index)]", layer: rewrite, role: .consumer,
                               expansion: expansion))
    }

    /// A Split of one projection's outputs along their channel axis (GPT-2's packed q, k, v): when the
    /// projection alone makes the space, each output becomes a segment with its own group
    /// (``PackedProjection``); the Split's constant sizes are rewritten as segments shrink. Nil when
    /// the split must fix the channels (sizes given as an attribute or computed, other members).
    private func splitSegments(_ node: GraphNode, args: [GraphValue?], flow f: Flow, results: [GraphValue],
                               graph: GraphModel) -> [Flow]? {
        guard let split = node.op as? SplitOperator, split.sizesAttribute == nil, f.expansion == 1, f.folded == 1,
              let input = args[0], f.axis == (split.axis < 0 ? split.axis + input.shape.count : split.axis) else {
            return nil
        }
        let r = f.space.root
        // The projection and the Reshapes of its output (Conv1D's [N·T, 3C] → [N, T, 3C]) alone.
        let rewrites = r.group.members.compactMap { $0.layer as? ConstantEntryRewrite }
        guard let producer = loneProjection(r, outputs: input.shape[f.axis], besides: rewrites),
              producer.expansion == 1, let layer = producer.layer as? any ChannelPrunable & PrunableWeightLayer,
              pendingLayers.contains(where: { $0.path == producer.path }) else { return nil }
        let sizes = results.map { $0.shape[f.axis] }
        var sizeEntries: [ConstantEntryRewrite] = []
        if node.inputs.count > 1, !node.inputs[1].isEmpty {
            guard case .integer? = graph.constants[node.inputs[1]] else { return nil }
            let constant = untiedConstant(node, input: 1, graph: graph)
            sizeEntries = sizes.indices.map { ConstantEntryRewrite(graph: graph, constant: constant, index: $0,
                                                                   channels: sizes[$0]) }
        }
        let packed = PackedProjection(layer: layer, path: producer.path, sizes: sizes, sizeEntries: sizeEntries,
                                      widthEntries: rewrites)
        return segmentSpaces(packed, replacing: r, even: sizeEntries.isEmpty).map {
            Flow(space: $0, axis: f.axis, expansion: 1)
        }
    }

    /// One new space per segment of `packed`, each produced by its ``ProjectionSegment``; the
    /// projection's own space `r` becomes fixed. Segments of an `even` split with no sizes to rewrite
    /// must end in one group (``fixUnevenSplits``).
    func segmentSpaces(_ packed: PackedProjection, replacing r: Space, even: Bool) -> [Space] {
        r.fixed = true
        if even { evenSplits.insert(packed.path) }
        return packed.sizes.indices.map { s in
            let space = newSpace(channels: packed.sizes[s])
            add(space, GroupMember(path: packed.path + "[\(s)]", layer: ProjectionSegment(packed, segment: s),
                                   role: .producer, expansion: 1))
            segmentOutputs[packed.path, default: []].append((space, 1))
            splitSpaces[ObjectIdentifier(r), default: []].append(space)
            return space
        }
    }

    /// The producer of a space that one projection makes alone (a Linear, or a mixing layer with a
    /// 1×1 kernel, of `outputs` output features) and that nothing else reads channel by channel
    /// apart from the constant entries `besides`; nil otherwise.
    func loneProjection(_ r: Space, outputs: Int,
                                besides entries: [ConstantEntryRewrite] = []) -> GroupMember? {
        guard r.parts == nil, !r.fixed, r.group.members.count == 1 + entries.count,
              let producer = r.group.members.first(where: { $0.role == .producer }),
              case .mixing(kernelArea: 1, _) = producer.layer.channelTransform,
              producer.layer.prunableOutChannels == outputs else { return nil }
        return producer
    }

    /// Attention heads: when the split space was made by one Linear alone (a projection nothing else
    /// reads channel by channel), a new space of `heads` channels whose producer owns `size` rows
    /// per head. The projection's own output features stay fixed.
    func headSpace(splitting space: Space, heads: Int, size: Int) -> Space? {
        let r = space.root
        guard let producer = loneProjection(r, outputs: heads * size) else { return nil }
        let segment = producer.layer as? ProjectionSegment
        let i = pendingLayers.firstIndex(where: { $0.path == (segment?.packed.path ?? producer.path) })
        guard let i else { return nil }
        r.fixed = true
        let h = newSpace(channels: heads)
        splitSpaces[ObjectIdentifier(r), default: []].append(h)
        add(h, GroupMember(path: producer.path, layer: producer.layer, role: .producer, expansion: size))
        if let segment { segmentOutputs[pendingLayers[i].path]?[segment.segment] = (h, size) }
        else { outRegroupings[pendingLayers[i].path] = (h, size) }
        return h
    }

    /// MatMul of two activations whose channel axes are the same batch axis (the heads of q·kᵀ and
    /// of softmax·v): the heads must match, so the spaces merge and the output keeps them.
    private func matMulBatchAxes(args: [GraphValue?], flowed: [(Int, Flow)], outShape: [Int]) throws -> Flow? {
        guard flowed.count == 2, let a = args[0], let b = args[1] else { return nil }
        let rank = outShape.count
        let fa = flowed[0].1, fb = flowed[1].1
        let ra = a.shape.count, rb = b.shape.count
        guard ra >= 3, rb >= 3 else { return nil }
        let axA = fa.axis + rank - ra, axB = fb.axis + rank - rb
        guard fa.axis < ra - 2, fb.axis < rb - 2, axA == axB, a.shape[fa.axis] == b.shape[fb.axis],
              fa.folded == 1, fb.folded == 1 else { return nil }
        var (sa, sb, e) = (fa.space, fb.space, fa.expansion)
        if fa.expansion != fb.expansion {
            // Grouped-query attention: the key/value heads were repeated (`repeat_kv`), so each covers
            // `e` query heads; the query heads are regrouped by the key/value head they share.
            if fa.expansion == 1, let coarse = coarsened(fa.space, by: fb.expansion) {
                (sa, e) = (coarse, fb.expansion)
            } else if fb.expansion == 1, let coarse = coarsened(fb.space, by: fa.expansion) {
                sb = coarse
            } else { return nil }
        }
        return Flow(space: try merge(sa, sb), axis: axA, expansion: e)
    }
}
