import PruneNN

/// PyTorch's `nn.MultiheadAttention` packs q, k and v in one in-projection of 3·E outputs; the dynamo
/// exporter reshapes them to [T, N, 3, E], moves the packing axis to the front (Unsqueeze, Transpose,
/// Squeeze) and picks q, k and v by three Gathers of one index each. Where those values go is found by
/// running the path after the Reshape on labels (each entry numbered by its segment and channel):
/// when every path ends in Gathers that each hold one whole segment with its channels along one axis,
/// the projection becomes a ``PackedProjection`` and each Gather's output gets its segment's channels,
/// so the heads of q, k and v become removable as they are for separate projections.
extension DependencyGraph {
    /// For a Reshape of a lone projection's outputs [.., S·w, ..] → [.., S, w, ..]: makes the packed
    /// segments and presets the Gathers' flows; false when the Reshape is something else.
    func packSegmentsAlongAxis(_ node: GraphNode, flow f: Flow, inShape: [Int], outShape: [Int],
                               graph: GraphModel) -> Bool {
        guard node.op is ReshapeOperator, f.expansion == 1, f.folded == 1 else { return false }
        let c = inShape[f.axis]
        let before = inShape[..<f.axis].reduce(1, *), after = inShape[(f.axis + 1)...].reduce(1, *)
        guard let j = outShape.indices.dropLast().first(where: {
            outShape[..<$0].reduce(1, *) == before && outShape[$0] > 1 && outShape[$0] * outShape[$0 + 1] == c
                && outShape[($0 + 2)...].reduce(1, *) == after }) else { return false }
        let segments = outShape[j], width = outShape[j + 1]
        let r = f.space.root
        let rewrites = r.group.members.compactMap { $0.layer as? ConstantEntryRewrite }
        guard let producer = loneProjection(r, outputs: c, besides: rewrites),
              let layer = producer.layer as? any ChannelPrunable & PrunableWeightLayer,
              pendingLayers.contains(where: { $0.path == producer.path }),
              let index = graph.nodes.firstIndex(where: { $0.name == node.name }),
              let picks = segmentPicks(after: index, shape: outShape, segmentAxis: j, graph: graph),
              Set(picks.values.map(\.segment)) == Set(0..<segments) else { return false }
        // The segments' width must be a constant to rewrite (TorchScript computes it from the input's shape).
        guard let entry = targetEntry(node, index: j + 1, graph: graph) else { return false }
        let widthEntry = ConstantEntryRewrite(graph: graph, constant: entry.constant, index: entry.index,
                                              channels: entry.channels)
        let packed = PackedProjection(layer: layer, path: producer.path,
                                      sizes: Array(repeating: width, count: segments),
                                      sizeEntries: [], widthEntries: rewrites, segmentWidthEntries: [widthEntry])
        let spaces = segmentSpaces(packed, replacing: r, even: true)
        for (output, pick) in picks {
            presetFlows[output] = Flow(space: spaces[pick.segment], axis: pick.axis, expansion: 1)
        }
        return true
    }

    /// Runs the nodes after `index` that move the Reshape's output (Unsqueeze, Squeeze, Transpose) on
    /// labels `segment · w + channel`, to Gathers that each hold one segment with its channels in order
    /// along one axis: each Gather output's segment and channel axis. Nil when a labelled value reaches
    /// anything else (the segments are used together, or the graph's output).
    private func segmentPicks(after index: Int, shape: [Int], segmentAxis j: Int,
                              graph: GraphModel) -> [String: (segment: Int, axis: Int)]? {
        let width = shape[j + 1], inner = shape[(j + 2)...].reduce(1, *)
        let labels = (0..<shape.reduce(1, *)).map { ($0 / inner) % (shape[j] * width) }
        guard let start = try? IntegerTensor(shape: shape, values: labels) else { return nil }
        var labelled: [String: GraphValue] = [graph.nodes[index].outputs[0]: .integer(start)]
        var picks: [String: (segment: Int, axis: Int)] = [:]
        for node in graph.nodes[(index + 1)...] where node.inputs.contains(where: { labelled[$0] != nil }) {
            let moves = node.op is SqueezeOperator || node.op is TransposeOperator || node.op is GatherOperator
            guard moves, let data = labelled[node.inputs[0]],
                  !node.inputs.dropFirst().contains(where: { labelled[$0] != nil }),
                  let out = node.outputs.first else { return nil }
            let args: [GraphValue?] = [data] + node.inputs.dropFirst().map { $0.isEmpty ? nil : graph.constants[$0] }
            guard !zip(node.inputs, args).dropFirst().contains(where: { !$0.0.isEmpty && $0.1 == nil }),
                  case .integer(let moved)? = try? node.op.run(args).first else { return nil }
            if node.op is GatherOperator {
                guard let pick = Self.wholeSegment(moved, width: width) else { return nil }
                picks[out] = pick
            } else {
                labelled[out] = .integer(moved)
            }
        }
        return graph.outputNames.contains(where: { labelled[$0] != nil }) ? nil : picks
    }

    /// The segment a labelled tensor holds and the axis its channels run along in order, or nil.
    private static func wholeSegment(_ t: IntegerTensor, width: Int) -> (segment: Int, axis: Int)? {
        guard let first = t.values.first else { return nil }
        let segment = first / width
        guard t.values.allSatisfy({ $0 / width == segment }) else { return nil }
        for a in t.shape.indices where t.shape[a] == width {
            let stride = t.shape[(a + 1)...].reduce(1, *)
            if t.values.indices.allSatisfy({ t.values[$0] % width == ($0 / stride) % width }) { return (segment, a) }
        }
        return nil
    }
}
