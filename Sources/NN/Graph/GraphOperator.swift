import PruneAutodiff
import PruneTensor

/// How an operator treats the channel axis of its float inputs, so that structured pruning can
/// follow channels through any graph (Fang et al., "DepGraph", CVPR 2023). A new operator type
/// joins structured pruning by saying which of these it is.
public enum ChannelFlow: Sendable, Equatable {
    /// Elementwise with broadcasting: operands with channels must share them; the output keeps them.
    case elementwise
    /// Reduces (or normalizes) over these axes of its first input; channels survive unless the
    /// channel axis is among them.
    case reduces(axes: [Int], keepDims: Bool)
    /// Moves axes (Transpose).
    case permutes([Int])
    /// Changes the layout without moving data (Reshape, Flatten, Squeeze, Unsqueeze).
    case relayouts
    /// Joins its inputs along an axis.
    case concatenates(axis: Int)
    /// Takes parts along an axis (Split, Slice, Gather).
    case selects(axis: Int)
    /// Mixes channels of two activations (MatMul of two activations): channels are fixed, batch
    /// axes of both operands flow.
    case mixes
    /// Rearranges or combines elements in ways channel bookkeeping does not follow (LRN, Tile, Pad,
    /// Einsum, scatters, normalizations with per-channel inputs): every channel through it is fixed.
    case fixes
    /// Runs a module (Conv, Gemm, BatchNormalization, LayerNormalization).
    case module
    /// Produces no float channels (Shape, Constant).
    case none
}

/// One operation of a ``GraphModel``: inputs in, outputs out, on ``GraphValue``s. Absent optional
/// inputs are nil.
public protocol GraphOperator {
    func run(_ inputs: [GraphValue?]) throws -> [GraphValue]
    /// The layer with trainable parameters this operator runs, if any.
    var module: (any Module)? { get }
    /// How channels pass through it.
    var channelFlow: ChannelFlow { get }
    /// Whether it transforms each channel on its own (an activation function, a per-channel
    /// normalization): activation criteria read a layer's output after a chain of these.
    var isPerChannelOperation: Bool { get }
    /// Whether its outputs depend on its inputs' shapes alone, never on their values (Shape, Size): what
    /// the graph computes from them is remembered between runs (``GraphRunMemo``).
    var readsOnlyShapes: Bool { get }
    /// Whether each example (first axis) of its outputs depends only on the same example of its inputs
    /// that carry examples (`batched`), so a batch may run in parts (``GraphModel/splitsExamples``).
    /// The default reads ``channelFlow``; an operator it does not describe says so itself.
    func keepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool]) -> Bool
    /// How many rows of the first axis each example fills in each of `results`, the outputs of a run on
    /// `inputs` (0: the value carries no examples), given the inputs' (`rows`: 1 for a value with the examples
    /// as its first axis, k when a layout merged them with the next axes into k rows each, 0 for none) and
    /// the number of `examples`; nil when the node mixes examples. The default asks
    /// ``keepsExamplesApart(_:batched:)`` and keeps the inputs' rows (a layout may regroup them).
    func exampleRows(_ inputs: [GraphValue?], rows: [Int], examples: Int, results: [GraphValue]) -> [Int]?
}

extension GraphOperator {
    public var module: (any Module)? { nil }
    public var isPerChannelOperation: Bool { false }
    public var readsOnlyShapes: Bool { false }

    /// Input `i`, which must be present.
    public func input(_ inputs: [GraphValue?], _ i: Int, _ what: String) throws -> GraphValue {
        guard i < inputs.count, let v = inputs[i] else { throw GraphError.invalidValue("missing input \(i) (\(what))") }
        return v
    }

    /// Input `i` as integers (an operand such as axes or steps), or nil when the node omits it.
    public func optionalIntegers(_ inputs: [GraphValue?], _ i: Int, _ what: String) throws -> [Int]? {
        guard i < inputs.count, let v = inputs[i] else { return nil }
        return try v.integers(what).values
    }
}

/// One node: an operator with the names of the values it reads and writes ("" marks an absent input).
public struct GraphNode {
    public var name: String
    public var opType: String
    public var inputs: [String]
    public var outputs: [String]
    public var op: any GraphOperator

    public init(name: String, opType: String, inputs: [String], outputs: [String], op: any GraphOperator) {
        self.name = name; self.opType = opType; self.inputs = inputs; self.outputs = outputs; self.op = op
    }
}
