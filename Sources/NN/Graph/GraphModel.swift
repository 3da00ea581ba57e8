import Foundation
import PruneAutodiff
import PruneTensor

/// A model given as a dataflow graph (an imported ONNX model): nodes in topological order, the
/// constants they read, and the layers with parameters as child modules, so training, masks,
/// pruning criteria and structured pruning work on it as on a model written in Swift.
public final class GraphModel: Module {
    /// Nodes in execution (topological) order.
    public var nodes: [GraphNode] { didSet { invalidatePlan() } }
    /// The graph's inputs in order, and whether each holds integers (token ids) rather than floats.
    public let inputs: [(name: String, shape: [Int?], isInteger: Bool)]
    /// The graph's outputs in order.
    public let outputNames: [String]
    /// Values that do not change: non-trainable initializers and Constant outputs.
    public var constants: [String: GraphValue] { didSet { invalidatePlan() } }
    /// The node list compiled to slots for ``run(_:observe:)``, built on first use after a change.
    private var plan: GraphRunPlan?
    /// What the last runs computed from shapes (``GraphRunMemo``), one per run that may go on at once (the
    /// parts of a split batch), each knowing which version of the graph it is for.
    private var memos: [GraphRunMemo] = []
    private var planGeneration = 0
    let planLock = NSLock()
    /// Per input ranks and batch (``exampleSplitEntry(_:)``): how runs split by examples (``ExampleSplit``), or
    /// nil where they do not.
    var exampleSplits: [[[Int]]: ExampleSplit?] = [:]
    /// The layers with parameters, under their exported names.
    public let layers: ModuleDictionary
    public var isTraining = true
    /// Whether inference runs fuse activations, normalizations and residual additions into the layer before
    /// them (``run(_:)``; the values are the same, bit for bit) and run a decomposed LayerNorm or GELU as one
    /// kernel (``FusedNodePattern``; within float rounding of the nodes).
    public var fusesEpilogues = true
    /// Whether an inference run of a batch with at least two examples per core runs each core's share of the
    /// examples on its own, node after node, when every node keeps examples apart (``ExampleSplit``); the
    /// first run at each batch size runs whole and finds out.
    public var splitsExamples = true
    /// Set when the examples carry several inputs packed in one tensor (a calibration file with one
    /// tensor per graph input): ``feeds(for:)`` then cuts each batch back into the inputs.
    public var inputPacking: GraphInputPacking?
    /// How to write the graph back as the file it came from (set by the importer).
    public var writer: (any GraphModelWriter)?

    public init(nodes: [GraphNode], inputs: [(name: String, shape: [Int?], isInteger: Bool)], outputNames: [String],
                constants: [String: GraphValue], layers: ModuleDictionary) {
        self.nodes = nodes; self.inputs = inputs; self.outputNames = outputNames
        self.constants = constants; self.layers = layers
    }

    public var children: [(name: String, module: any Module)] { layers.children }

    public func replaceChild(named name: String, with module: any Module) throws { try layers.replaceChild(named: name,
            with: module) }

    /// `x` as the value of the first input (converted to integers for token-id inputs). A graph of
    /// several inputs (a transformer export's `input_ids`, `attention_mask`, `token_type_ids`,
    /// `position_ids`) gets neutral values for the others, shaped like `x` where their extents are
    /// unknown: ones for an input whose name contains "mask", positions 0, 1, … along the last axis
    /// for one whose name contains "position", zeros otherwise. With an ``inputPacking``, `x` holds
    /// packed rows and every input is cut from it.
    public func feeds(for x: Variable) throws -> [String: GraphValue] {
        if let inputPacking { return try inputPacking.feeds(x) }
        guard let first = inputs.first else { throw GraphError.invalidValue("the graph has no inputs") }
        var feeds: [String: GraphValue] = [first.name: first.isInteger ? .integer(try IntegerTensor(shape: x.shape,
            values: x.value.scalars.map { Int($0) })) : .float(x)]
        for input in inputs.dropFirst() {
            // A free extent takes x's along the same axis; for an input of another rank (an attention mask
            // [N, T] beside embeddings [N, T, D]) a free leading extent is the batch, any other free one 1.
            let shape = input.shape.count == x.shape.count ? zip(input.shape, x.shape).map { $0 ?? $1 }
                : input.shape.enumerated().map { axis, extent in extent ?? (axis == 0 ? x.shape.first ?? 1 : 1) }
            let name = input.name.lowercased(), last = shape.last ?? 1
            let n = shape.reduce(1, *)
            let values = (0..<n).map { i -> Int in
                name.contains("mask") ? 1 : (name.contains("position") ? i % Swift.max(last, 1) : 0)
            }
            feeds[input.name] = input.isInteger ? .integer(try IntegerTensor(shape: shape, values: values))
                : .float(Variable(Tensor(unchecked: shape, values.map(Float.init))))
        }
        return feeds
    }

    /// Runs the graph on its only input and returns its first output.
    public func forward(_ x: Variable) throws -> Variable {
        try firstOutput(of: try run(try feeds(for: x)))
    }

    /// The first graph output among `values`, as a float tensor.
    public func firstOutput(of values: [String: GraphValue]) throws -> Variable {
        guard let out = outputNames.first, let v = values[out] else {
            throw GraphError.invalidValue("the graph has no outputs")
        }
        return try v.variable("graph output '\(out)'")
    }

    /// Runs the graph. Without gradients, the nodes that can run as a layer's epilogue run fused into it
    /// (``fusesEpilogues``).
    public func run(_ feeds: [String: GraphValue]) throws -> [String: GraphValue] {
        if let examples = examplesToSplit(feeds) { return try runSplitting(feeds, examples: examples) }
        return try execute(feeds, observe: nil, nodeFinished: nil)
    }

    /// Runs the graph node by node (no fusion); `observe` sees every node with its inputs and outputs
    /// (for tracing).
    public func run(_ feeds: [String: GraphValue],
                    observe: (GraphNode, [GraphValue?], [GraphValue]) throws -> Void) throws -> [String: GraphValue] {
        try withoutActuallyEscaping(observe) { try execute(feeds, observe: $0, nodeFinished: nil) }
    }

    /// Runs the graph as ``run(_:)`` does, telling `nodeFinished` when each node has run (for timing; a
    /// node fused into a layer counts in the layer's).
    public func run(_ feeds: [String: GraphValue],
                    nodeFinished: (GraphNode) -> Void) throws -> [String: GraphValue] {
        try withoutActuallyEscaping(nodeFinished) { try execute(feeds, observe: nil, nodeFinished: $0) }
    }

    /// `part`: the run is a part of a split batch of that many examples (``ExampleSplit/check``).
    func execute(_ feeds: [String: GraphValue],
                 observe: ((GraphNode, [GraphValue?], [GraphValue]) throws -> Void)?,
                 nodeFinished: ((GraphNode) -> Void)?,
                 part: (count: Int, split: ExampleSplit)? = nil) throws -> [String: GraphValue] {
        try nodes.withUnsafeBufferPointer {
            try execute($0, feeds, observe: observe, nodeFinished: nodeFinished, part: part)
        }
    }

    /// The run over the node list in place (a node is read where it is, not copied with its names and
    /// operator for every run: at batch 1 that reference counting was a visible share of a transformer's time).
    private func execute(_ nodes: UnsafeBufferPointer<GraphNode>, _ feeds: [String: GraphValue],
                         observe: ((GraphNode, [GraphValue?], [GraphValue]) throws -> Void)?,
                         nodeFinished: ((GraphNode) -> Void)?,
                         part: (count: Int, split: ExampleSplit)?) throws -> [String: GraphValue] {
        let plan = currentPlan()
        var slots = try initialSlots(plan, feeds)
        let inference = observe == nil && !GradMode.isEnabled
        let fuse = fusesEpilogues && inference
        let memo = inference ? takeMemo(plan) : nil
        memo?.beginRun()
        var absorbed = [Bool](repeating: false, count: nodes.count)
        var args: [GraphValue?] = []   // one buffer for every node's arguments
        for i in nodes.indices {
            defer { for slot in plan.frees[i] { slots[slot] = nil } }
            if absorbed[i] { continue }
            let node = nodes.baseAddress! + i
            if let kept = memo?.reusableOutputs(i) {
                for (slot, v) in zip(plan.writes[i], kept) where slot >= 0 { slots[slot] = v }
                nodeFinished?(node.pointee)
                continue
            }
            try gatherArguments(&args, node, plan.reads[i], slots)
            if fuse, try runFusion(i, args, plan, &slots, &absorbed) {
                nodeFinished?(node.pointee)
                continue
            }
            let results = try runNode(node, args, named: plan.writes[i])
            if let part {
                try ExampleSplit.check(results, slots: plan.writes[i], count: part.count, rows: part.split.rows)
            }
            memo?.record(i, results)
            try observe?(node.pointee, args, results)
            nodeFinished?(node.pointee)
            for (slot, v) in zip(plan.writes[i], results) where slot >= 0 { slots[slot] = v }
        }
        if let memo { putBack(memo) }
        var out: [String: GraphValue] = [:]
        for (name, slot) in zip(outputNames, plan.outputs) {
            guard let v = slots[slot] else {
                throw GraphError.invalidValue("the graph output '\(name)' is never computed")
            }
            out[name] = v
        }
        return out
    }

    /// A node's arguments from the run's slots into `args` (nil for an omitted optional input).
    private func gatherArguments(_ args: inout [GraphValue?], _ node: UnsafePointer<GraphNode>, _ reads: [Int],
                                 _ slots: [GraphValue?]) throws {
        args.removeAll(keepingCapacity: true)
        for (k, slot) in reads.enumerated() {
            if slot < 0 { args.append(nil); continue }
            guard let v = slots[slot] else {
                throw GraphError.missingInput(node: node.pointee.name, input: node.pointee.inputs[k])
            }
            args.append(v)
        }
    }

    /// The run's table of values with the constants and the graph inputs in their slots.
    private func initialSlots(_ plan: GraphRunPlan, _ feeds: [String: GraphValue]) throws -> [GraphValue?] {
        var slots = plan.initialSlots
        for ((name, _, _), slot) in zip(inputs, plan.inputs) {
            guard let v = feeds[name] else {
                throw GraphError.invalidValue("no value given for the graph input '\(name)'")
            }
            slots[slot] = v
        }
        return slots
    }

    /// Runs node `i` with the nodes that run inside it at inference (a layer's epilogue, the rest of a
    /// ``FusedNodePattern``), marking those absorbed; false when there are none.
    private func runFusion(_ i: Int, _ args: [GraphValue?], _ plan: GraphRunPlan, _ slots: inout [GraphValue?],
                           _ absorbed: inout [Bool]) throws -> Bool {
        if let pattern = plan.patterns[i] {
            let y: GraphValue?
            do { y = try pattern.run(slots) } catch {
                throw GraphError.node(name: nodes[i].name, opType: nodes[i].opType, underlying: error)
            }
            guard let y else { return false }
            slots[pattern.output] = y
            for j in pattern.absorbed { absorbed[j] = true }
            return true
        }
        guard !plan.epilogues[i].nodes.isEmpty, let count = try runFused(i, args, plan, &slots) else { return false }
        for j in plan.epilogues[i].nodes.prefix(count) { absorbed[j] = true }
        return true
    }

    /// Runs node `i` (a layer) with as many of its epilogue nodes as give a step fused into it, writing the
    /// last one's output; returns how many were fused, or nil when none (the caller runs the node alone).
    private func runFused(_ i: Int, _ args: [GraphValue?], _ plan: GraphRunPlan,
                          _ slots: inout [GraphValue?]) throws -> Int? {
        guard let head = nodes[i].op as? ModuleOperator, head.module is any EpilogueFusingLayer else { return nil }
        let chain = plan.epilogues[i]
        var steps: [any OutputEpilogueStep] = []
        for (j, input) in zip(chain.nodes, chain.chainInputs) {
            guard let op = nodes[j].op as? any EpilogueOperator,
                  let step = op.epilogueStep(chainInput: input, inputs: plan.reads[j].map { $0 < 0 ? nil : slots[$0] })
            else { break }
            steps.append(step)
        }
        guard !steps.isEmpty else { return nil }
        let result: GraphValue?
        do { result = try head.run(args, epilogue: OutputEpilogue(steps)) } catch {
            throw GraphError.node(name: nodes[i].name, opType: nodes[i].opType, underlying: error)
        }
        guard let result, let slot = plan.writes[chain.nodes[steps.count - 1]].first(where: { $0 >= 0 }) else {
            return nil
        }
        slots[slot] = result
        return steps.count
    }

    /// One node's outputs, errors named after the node.
    /// `written`: the node's output slots (−1 for an output it leaves unnamed).
    private func runNode(_ node: UnsafePointer<GraphNode>, _ args: [GraphValue?],
                         named written: [Int]) throws -> [GraphValue] {
        let results: [GraphValue]
        do { results = try node.pointee.op.run(args) } catch let e as GraphError {
            if case .node = e { throw e }
            throw GraphError.node(name: node.pointee.name, opType: node.pointee.opType, underlying: e)
        } catch { throw GraphError.node(name: node.pointee.name, opType: node.pointee.opType, underlying: error) }
        var named = 0
        for slot in written where slot >= 0 { named += 1 }
        guard results.count >= named else {
            let n = node.pointee
            throw GraphError.node(name: n.name, opType: n.opType, underlying:
                GraphError.invalidValue("produced \(results.count) outputs, the node names \(n.outputs.count)"))
        }
        return results
    }

    private func invalidatePlan() {
        planLock.withLock { plan = nil; memos = []; exampleSplits = [:]; planGeneration += 1 }
    }

    /// A memo of shape computations for this run, taken so that a concurrent run takes another or starts its
    /// own; nil when the graph computes nothing from shapes.
    private func takeMemo(_ plan: GraphRunPlan) -> GraphRunMemo? {
        guard plan.remembersShapes else { return nil }
        return planLock.withLock {
            if let memo = memos.popLast(), memo.generation == plan.generation { return memo }
            return GraphRunMemo(plan)
        }
    }

    /// Keeps the memo of a run that finished (as many as the cores can run at once), unless the graph changed
    /// meanwhile.
    private func putBack(_ taken: GraphRunMemo) {
        planLock.withLock {
            if taken.generation == planGeneration && memos.count < ProcessInfoCores.count { memos.append(taken) }
        }
    }

    func currentPlan() -> GraphRunPlan {
        planLock.withLock {
            if let plan { return plan }
            var built = GraphRunPlan(nodes: nodes, inputNames: inputs.map(\.name), outputNames: outputNames,
                                     constants: constants)
            built.generation = planGeneration
            plan = built
            return built
        }
    }

    /// Operator types and how often each occurs.
    public var operatorCounts: [(opType: String, count: Int)] {
        Dictionary(nodes.map { ($0.opType, 1) }, uniquingKeysWith: +).sorted { $0.key < $1.key }.map { ($0.key,
                $0.value) }
    }

    public var summary: String { "GraphModel(\(nodes.count) nodes, \(parameterCount) parameters)" }
}
