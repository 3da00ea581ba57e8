import ONNXProto
import PruneAutodiff
import PruneNN
import PruneTensor

/// Weights that the graph computes from constants (a Constant node, a ConstantOfShape of a stored
/// shape as in the ONNX backend test "light" models, a Cast or Reshape of an initializer) are
/// evaluated once at import and become initializers, so the layer that reads them is a real,
/// prunable layer and export writes the pruned values. The same holds for the per-channel float
/// operands of elementwise arithmetic (a BatchNorm written as `x · Unsqueeze(γ) + Unsqueeze(β)`):
/// as initializers, structured pruning slices them with the channels they scale.
enum ONNXConstantFolding {
    /// Operators whose float operands computed from constants are folded (every input).
    static let elementwiseTypes: Set<String> = ["Add", "Sub", "Mul", "Div", "PRelu", "Max", "Min", "Sum", "Mean"]

    /// Folds every computed weight input of a layer operator and every computed operand of an
    /// elementwise operator; returns how many were folded.
    @discardableResult
    static func foldWeights(_ graph: inout Onnx_GraphProto, opset: Int, state: ONNXImportState) throws -> Int {
        let layerTypes = Set(ONNXLayerBuilders.all.keys)
        var producer: [String: Int] = [:]
        for (i, n) in graph.node.enumerated() { for o in n.output where !o.isEmpty { producer[o] = i } }
        var wanted: [String] = []
        for n in graph.node {
            let layer = layerTypes.contains(n.opType)
            guard layer || elementwiseTypes.contains(n.opType) else { continue }
            let operands = layer ? n.input.dropFirst() : n.input[...]
            for name in operands where !name.isEmpty && state.initializers[name] == nil {
                guard let p = producer[name], !wanted.contains(name) else { continue }
                let from = graph.node[p].opType
                if layer ? from != "Transpose" : from != "Constant" { wanted.append(name) }
            }
        }
        guard !wanted.isEmpty else { return 0 }
        var folder = Folder(graph: graph, producer: producer, opset: opset, state: state, layerTypes: layerTypes)
        var removed = Set<Int>(), folded = 0
        for name in wanted {
            guard case .float(let v)? = try folder.value(of: name), let p = producer[name] else { continue }
            var t = ONNXTensorCodec.proto(name: name, tensor: v.value)
            t.name = name
            graph.initializer.append(t)
            state.initializers[name] = t
            folded += 1
            let outputs = graph.node[p].output.filter { !$0.isEmpty }
            if outputs.allSatisfy({ state.initializers[$0] != nil }) { removed.insert(p) }
        }
        let readBefore = Set(graph.node.flatMap(\.input))
        graph.node = graph.node.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        dropUnread(&graph)
        dropOrphanedInitializers(&graph, readBefore: readBefore)
        return folded
    }

    /// Removes the initializers that only removed nodes read (the stored shapes of folded ConstantOfShape
    /// nodes), and their entries among the graph's inputs (older models list initializers there): written
    /// back, onnxruntime warned about each one. Not in graphs with subgraphs, whose bodies may read them.
    static func dropOrphanedInitializers(_ graph: inout Onnx_GraphProto, readBefore: Set<String>) {
        guard !hasSubgraphs(graph) else { return }
        let readNow = Set(graph.node.flatMap(\.input)).union(graph.output.map(\.name))
        let orphaned = Set(graph.initializer.map(\.name).filter { readBefore.contains($0) && !readNow.contains($0) })
        guard !orphaned.isEmpty else { return }
        graph.initializer.removeAll { orphaned.contains($0.name) }
        graph.input.removeAll { orphaned.contains($0.name) }
    }

    /// Whether a node of `graph` holds a subgraph (If, Loop, Scan), whose body may read the outer graph's values.
    static func hasSubgraphs(_ graph: Onnx_GraphProto) -> Bool { hasSubgraphs(graph.node) }

    /// Whether one of `nodes` holds a subgraph (If, Loop, Scan), whose body may read the outer graph's values.
    static func hasSubgraphs(_ nodes: [Onnx_NodeProto]) -> Bool {
        nodes.contains { n in n.attribute.contains { $0.hasG || !$0.graphs.isEmpty } }
    }

    /// Removes the nodes that only fed folded values (a ConstantOfShape under a folded Reshape): nodes none
    /// of whose outputs any node or the graph's outputs read, until none is left. Not in graphs with
    /// subgraphs (If, Loop, Scan), whose bodies may read outer values.
    static func dropUnread(_ graph: inout Onnx_GraphProto) {
        guard !hasSubgraphs(graph) else { return }
        let outputs = Set(graph.output.map(\.name))
        while true {
            var read = outputs
            for n in graph.node { read.formUnion(n.input) }
            let kept = graph.node.filter { n in n.output.contains { !$0.isEmpty && read.contains($0) } }
            if kept.count == graph.node.count { return }
            graph.node = kept
        }
    }

    /// Evaluates values computed only from constants, memoized.
    struct Folder {
        let graph: Onnx_GraphProto
        let producer: [String: Int]
        let opset: Int
        let state: ONNXImportState
        let layerTypes: Set<String>
        var memo: [String: GraphValue?] = [:]

        init(graph: Onnx_GraphProto, producer: [String: Int], opset: Int, state: ONNXImportState,
             layerTypes: Set<String>) {
            self.graph = graph; self.producer = producer; self.opset = opset; self.state = state
            self.layerTypes = layerTypes
        }

        mutating func value(of name: String, depth: Int = 0) throws -> GraphValue? {
            if let v = try state.constant(name) { return v }
            if let known = memo[name] { return known }
            guard depth < 64, let p = producer[name] else { return nil }
            let node = graph.node[p]
            guard !layerTypes.contains(node.opType), node.opType != "Constant",
                  let build = ONNXOperatorSet.builders[node.opType] else { memo[name] = .some(nil); return nil }
            var args: [GraphValue?] = []
            for input in node.input {
                if input.isEmpty { args.append(nil); continue }
                guard let v = try value(of: input, depth: depth + 1) else { memo[name] = .some(nil); return nil }
                args.append(v)
            }
            let c = ONNXNodeContext(node: node, index: p, opset: opset, state: state)
            let built = try build(c)
            guard built.inputs == Array(node.input) else { memo[name] = .some(nil); return nil }
            guard let results = try? withNoGrad({ try built.op.run(args) }) else { memo[name] = .some(nil); return nil }
            for (o, r) in zip(built.outputs, results) where !o.isEmpty { memo[o] = r }
            return memo[name] ?? nil
        }
    }
}
