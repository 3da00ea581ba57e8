import PruneAutodiff
@testable import PruneNN
import PruneTensor

/// What the fused-pattern tests build and compare: a node that writes a value named after itself, and one
/// graph input run with fusion (counting the nodes reported) and node by node (an observer turns fusion off).
enum FusedPatternRun {
    static func node(_ name: String, _ op: any GraphOperator, _ inputs: [String]) -> GraphNode {
        GraphNode(name: name, opType: name, inputs: inputs, outputs: [name], op: op)
    }

    static func outputs(_ g: GraphModel, _ x: Tensor) throws -> (fused: Tensor, reported: Int, plain: Tensor) {
        let feeds: [String: GraphValue] = ["x": .float(Variable(x))]
        var reported = 0
        let fused = try withNoGrad { try g.firstOutput(of: try g.run(feeds, nodeFinished: { _ in reported += 1 })) }
        let plain = try withNoGrad { try g.firstOutput(of: try g.run(feeds, observe: { _, _, _ in })) }
        return (fused.value, reported, plain.value)
    }
}
