import Foundation
import ONNXProto
import PruneAutodiff
import PruneNN
import PruneTensor

/// Reads an ONNX model into a ``GraphModel``: checks the opset and every node, sorts the nodes,
/// turns weight-carrying nodes into Prune layers, and runs the graph once on zeros so that a
/// shape that does not fit is reported at load time, naming the node.
enum ONNXImporter {
    static func decode(_ data: Data, file: String, baseDirectory: String?) throws -> ONNXModel {
        var proto: Onnx_ModelProto
        do { proto = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw ONNXError.malformed(file: file,
                                      reason: "the protobuf cannot be decoded (\(error)); "
                                          + "is the file truncated or not ONNX?")
        }
        guard proto.hasGraph, !proto.graph.node.isEmpty else {
            throw ONNXError.malformed(file: file, reason: "there is no graph, or it has no nodes")
        }
        let opset = try defaultOpset(proto, file: file)
        let state = ONNXImportState(file: file, baseDirectory: baseDirectory)
        try registerInitializers(&proto.graph, state: state)
        for (i, n) in proto.graph.node.enumerated() where !(n.domain.isEmpty || n.domain == "ai.onnx") {
            throw ONNXError.unknownDomain(domain: n.domain, node: n.displayName(index: i))
        }
        for (i, n) in proto.graph.node.enumerated() where n.opType == "Constant" {
            let c = ONNXNodeContext(node: n, index: i, opset: opset, state: state)
            guard let out = n.output.first, !out.isEmpty else { throw c.fail("a Constant without an output") }
            state.constantNodes[out] = try constantValue(c)
        }
        try ONNXConstantFolding.foldWeights(&proto.graph, opset: opset, state: state)
        let graph = proto.graph
        let graphInputs = graph.input.filter { state.initializers[$0.name] == nil }
        guard !graph.output.isEmpty else {
            throw ONNXError.malformed(file: file, reason: "the graph has no output")
        }
        for output in graph.output { try requireTensor(output, role: "graph output") }
        state.nodes = Array(graph.node)
        for v in graph.input + graph.output + graph.valueInfo where v.type.tensorType.elemType != 0 {
            state.declaredTypes[v.name] = v.type.tensorType.elemType
            if v.type.tensorType.hasShape { state.declaredRanks[v.name] = v.type.tensorType.shape.dim.count }
        }
        for (name, t) in state.initializers {
            state.declaredTypes[name] = t.dataType
            state.declaredRanks[name] = t.dims.count
        }
        state.graphOutputs = Set(graph.output.map(\.name))
        for (i, n) in graph.node.enumerated() {
            for name in n.input where !name.isEmpty { state.consumers[name, default: []].append(i) }
        }
        let nodes = try buildNodes(graph, opset: opset, state: state, inputs: Set(graphInputs.map(\.name)))
        var constants: [String: GraphValue] = state.constantNodes
        for name in state.initializers.keys where !state.owned.contains(name) {
            constants[name] = try state.constant(name)
        }
        let model = GraphModel(nodes: nodes, inputs: try graphInputs.map { try inputDescription($0, file: file) },
                               outputNames: graph.output.map(\.name), constants: constants, layers: state.layers)
        model.eval()
        let result = ONNXModel(graph: model, proto: proto, file: file, opset: opset, state: state)
        try dryRun(result)
        return result
    }

    /// Records the initializers (unique, named, dense), folds Identity nodes of initializers and
    /// gives every layer its own copy of a shared initializer.
    static func registerInitializers(_ graph: inout Onnx_GraphProto, state: ONNXImportState) throws {
        guard graph.sparseInitializer.isEmpty else {
            throw ONNXError.malformed(file: state.file, reason: "sparse initializers are not supported")
        }
        for t in graph.initializer {
            guard !t.name.isEmpty, state.initializers[t.name] == nil else {
                throw ONNXError.malformed(file: state.file,
                                          reason: "initializer names must be unique and not empty ('\(t.name)')")
            }
            state.initializers[t.name] = t
        }
        foldIdentitiesOfInitializers(&graph, state)
        untieSharedInitializers(&graph, state)
    }

    /// The graph's nodes in topological order, each built by its operator's builder.
    static func buildNodes(_ graph: Onnx_GraphProto, opset: Int, state: ONNXImportState,
                           inputs: Set<String>) throws -> [GraphNode] {
        let order = try topologicalOrder(graph, state: state, inputs: inputs)
        var nodes: [GraphNode] = [], absorbed = findWeightTransposes(graph, state)
        for i in order where graph.node[i].opType != "Constant" && !absorbed.contains(i) {
            let n = graph.node[i]
            let c = ONNXNodeContext(node: n, index: i, opset: opset, state: state)
            guard let build = ONNXOperatorSet.builders[n.opType] else {
                throw ONNXError.unsupportedOperator(opType: n.opType, node: c.name, opset: opset)
            }
            let built = try build(c)
            absorbed.formUnion(built.absorbed)
            nodes.append(GraphNode(name: c.name, opType: n.opType, inputs: built.inputs, outputs: built.outputs,
                                   op: built.op))
        }
        return nodes
    }

    /// A graph input's name, shape (nil for symbolic dimensions) and whether it takes integers.
    static func inputDescription(_ vi: Onnx_ValueInfoProto, file: String) throws -> (name: String, shape: [Int?],
                                                                                     isInteger: Bool) {
        try requireTensor(vi, role: "graph input")
        let t = vi.type.tensorType
        guard let elem = Onnx_TensorProto.DataType(rawValue: Int(t.elemType)), elem != .undefined else {
            throw ONNXError.malformed(file: file, reason: "graph input '\(vi.name)' has element type \(t.elemType); "
                                      + "Prune feeds float and integer (or boolean) inputs")
        }
        guard ONNXTensorCodec.readableTypes.contains(elem) else {
            throw ONNXError.unsupportedFeature(node: vi.name, opType: "graph input", reason: "element type \(elem)")
        }
        let shape = t.shape.dim.map { d -> Int? in
            if case .dimValue(let v)? = d.value, v > 0 { return Int(v) }
            return nil
        }
        do {
            try MemoryBudget.check(elements: CheckedSize.elements(shape.map { $0 ?? 1 }),
                                   of: ONNXTensorCodec.isFloat(t.elemType) ? 4 : 8,
                                   for: "graph input '\(vi.name)' ["
                                       + shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]")
        } catch let e as MemoryBudgetExceeded { throw ONNXError.malformed(file: file, reason: e.description) }
        return (vi.name, shape, !ONNXTensorCodec.isFloat(t.elemType))
    }

    /// Sequences, maps and optionals are valid ONNX values Prune's engine does not carry.
    static func requireTensor(_ vi: Onnx_ValueInfoProto, role: String) throws {
        guard vi.hasType else { return }
        if case .tensorType? = vi.type.value { return }
        throw ONNXError.unsupportedFeature(node: vi.name, opType: role,
                                           reason: "a sequence, map or optional value (not a tensor)")
    }

    /// Transpose nodes of a 2-D float initializer whose only reader is a MatMul's B input: the
    /// MatMul becomes a Linear on the initializer, so these nodes are not run.
    static func findWeightTransposes(_ graph: Onnx_GraphProto, _ state: ONNXImportState) -> Set<Int> {
        var skipped = Set<Int>()
        for (i, n) in graph.node.enumerated()
        where n.opType == "Transpose" && n.input.count == 1 && n.output.count == 1 {
            guard let t = state.initializers[n.input[0]], t.dims.count == 2,
                  t.dataType == Int32(Onnx_TensorProto.DataType.float.rawValue),
                  !state.graphOutputs.contains(n.output[0]) else { continue }
            let perm = n.attribute.first { $0.name == "perm" }?.ints ?? [1, 0]
            guard perm == [1, 0], let readers = state.consumers[n.output[0]], readers.count == 1 else { continue }
            let r = graph.node[readers[0]]
            guard r.opType == "MatMul", r.input.count == 2, r.input[1] == n.output[0],
                  state.initializers[r.input[0]] == nil else { continue }
            state.transposedWeights[n.output[0]] = n.input[0]
            skipped.insert(i)
        }
        return skipped
    }

    /// The ai.onnx opset the model imports; other imported domains are allowed only if no node uses them.
    static func defaultOpset(_ proto: Onnx_ModelProto, file: String) throws -> Int {
        guard let entry = proto.opsetImport.first(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" }) else {
            if let other = proto.opsetImport.first {
                throw ONNXError.unsupportedOpset(domain: other.domain, version: Int(other.version))
            }
            throw ONNXError.malformed(file: file, reason: "the model does not import the ai.onnx opset")
        }
        let v = Int(entry.version)
        if ONNXOperatorSet.earlyOpsets.contains(v) {
            try checkEarlyOpset(proto.graph, opset: v, domain: entry.domain)
            return v
        }
        guard ONNXOperatorSet.opsets.contains(v) else { throw ONNXError.unsupportedOpset(domain: entry.domain,
                                                                                         version: v) }
        return v
    }

    /// An opset before 6 is read only when every node's operator is defined there as at opset 6.
    static func checkEarlyOpset(_ graph: Onnx_GraphProto, opset: Int, domain: String) throws {
        for (i, n) in graph.node.enumerated() {
            let since = ONNXOperatorSet.readBeforeOpset6[n.opType] ?? ONNXOperatorSet.opsets.lowerBound
            guard opset < since else { continue }
            throw ONNXError.unsupportedFeature(node: n.displayName(index: i), opType: n.opType,
                reason: "opset \(opset) of domain '\(domain.isEmpty ? "ai.onnx" : domain)' (read for "
                    + "operators whose definition there is the opset-6 one; \(n.opType) is read from opset "
                    + "\(since) on)")
        }
    }

    /// Removes Identity nodes that only copy an initializer (PyTorch's exporter shares equal
    /// tensors this way), so the layers that read them see the initializer itself.
    static func foldIdentitiesOfInitializers(_ graph: inout Onnx_GraphProto, _ state: ONNXImportState) {
        let outputs = Set(graph.output.map(\.name))
        var alias: [String: String] = [:]
        graph.node.removeAll { n in
            guard n.opType == "Identity", n.domain.isEmpty || n.domain == "ai.onnx", n.input.count == 1,
                  n.output.count == 1,
                  state.initializers[n.input[0]] != nil, !outputs.contains(n.output[0]) else { return false }
            alias[n.output[0]] = n.input[0]
            return true
        }
        guard !alias.isEmpty else { return }
        for i in graph.node.indices {
            for j in graph.node[i].input.indices {
                if let a = alias[graph.node[i].input[j]] { graph.node[i].input[j] = a }
            }
        }
    }

    /// Gives every extra reader of a float initializer its own copy (exporters share identical
    /// tensors between layers; pruning one layer must not change another).
    static func untieSharedInitializers(_ graph: inout Onnx_GraphProto, _ state: ONNXImportState) {
        var seen = Set<String>()
        for i in graph.node.indices {
            for j in graph.node[i].input.indices {
                let name = graph.node[i].input[j]
                guard let t = state.initializers[name], t.dataType == Int32(Onnx_TensorProto.DataType.float.rawValue),
                      t.dims.count >= 1 else { continue }
                if seen.insert(name).inserted { continue }
                var k = 2, copy = name + "_\(k)"
                while state.initializers[copy] != nil { k += 1; copy = name + "_\(k)" }
                var dup = t; dup.name = copy
                state.initializers[copy] = dup
                graph.initializer.append(dup)
                graph.node[i].input[j] = copy
                seen.insert(copy)
            }
        }
    }

    static func constantValue(_ c: ONNXNodeContext) throws -> GraphValue {
        if let a = c.attribute("value") { return try ONNXTensorCodec.value(a.t, baseDirectory: c.state.baseDirectory,
                                                                           file: c.state.file) }
        if let a = c.attribute("value_float") { return .float(Variable(Tensor(unchecked: [], [a.f]))) }
        if let a = c.attribute("value_floats") { return .float(Variable(Tensor(unchecked: [a.floats.count],
                                                                               a.floats))) }
        if let a = c.attribute("value_int") { return .integer(IntegerTensor(scalar: Int(a.i))) }
        if let a = c.attribute("value_ints") { return .integer(IntegerTensor(a.ints.map { Int($0) })) }
        throw c.fail("a Constant needs value, value_float(s) or value_int(s)")
    }

    /// Kahn's algorithm over value dependencies; a node that never becomes ready is on a cycle.
    static func topologicalOrder(_ graph: Onnx_GraphProto, state: ONNXImportState,
                                 inputs: Set<String>) throws -> [Int] {
        var producer: [String: Int] = [:]
        for (i, n) in graph.node.enumerated() {
            for o in n.output where !o.isEmpty {
                guard producer[o] == nil, state.initializers[o] == nil, !inputs.contains(o) else {
                    throw ONNXError.malformed(file: state.file, reason: "the value '\(o)' is produced more than once")
                }
                producer[o] = i
            }
        }
        var pending = [Int](repeating: 0, count: graph.node.count)
        var readers: [Int: [Int]] = [:]
        for (i, n) in graph.node.enumerated() {
            let name = n.displayName(index: i)
            for v in n.input where !v.isEmpty {
                if let p = producer[v] { pending[i] += 1; readers[p, default: []].append(i) }
                else if state.initializers[v] == nil && !inputs.contains(v) { throw ONNXError.missingValue(node: name,
                        input: v) }
            }
        }
        for o in graph.output
        where producer[o.name] == nil && !inputs.contains(o.name) && state.initializers[o.name] == nil {
            throw ONNXError.malformed(file: state.file,
                                      reason: "the graph output '\(o.name)' is not produced by any node")
        }
        var ready = (0..<graph.node.count).filter { pending[$0] == 0 }, order: [Int] = []
        var head = 0
        while head < ready.count {
            let i = ready[head]; head += 1
            order.append(i)
            for r in readers[i] ?? [] { pending[r] -= 1; if pending[r] == 0 { ready.append(r) } }
        }
        if order.count < graph.node.count {
            let stuck = (0..<graph.node.count).filter { pending[$0] > 0 }.map { graph.node[$0].displayName(index: $0) }
            throw ONNXError.cycle(nodes: stuck)
        }
        return order
    }

    /// Runs the graph on ones shaped like its inputs (unknown extents as 1) to check every shape.
    static func dryRun(_ model: ONNXModel) throws {
        var feeds: [String: GraphValue] = [:]
        for input in model.graph.inputs {
            let shape = input.shape.map { $0 ?? 1 }
            guard let count = elementCount(shape), count <= 1 << 26 else { return }
            // Ones rather than zeros: a valid divisor, step, size or index far more often.
            feeds[input.name] = input.isInteger ? .integer(try IntegerTensor(shape: shape, values: .init(repeating: 1,
                                                                                                         count: count)))
                                                : .float(Variable(.ones(shape)))
        }
        do { _ = try withNoGrad { try model.graph.run(feeds) } } catch let GraphError.node(name, op, e) {
            // A form decided by a graph input's value (Dropout's ratio and training flag fed as inputs)
            // is judged when the model runs on real values, not on the ones made up here.
            if case GraphError.unsupported(let what) = e {
                let inputNames = Set(model.graph.inputs.map(\.name))
                let node = model.graph.nodes.first { $0.name == name }
                if node?.inputs.dropFirst().contains(where: inputNames.contains) == true { return }
                throw ONNXError.unsupportedFeature(node: name, opType: op, reason: what)
            }
            // Ones are not valid for every integer input (axes, sizes, shapes): only float graphs fail here.
            if model.graph.inputs.contains(where: \.isInteger) { return }
            throw ONNXError.invalidNode(node: name, opType: op, reason: "\(e)")
        }
    }
}
