import Foundation
import PruneAutodiff
import PruneTensor

/// Inference runs split by examples (``splitsExamples``, ``ExampleSplit``).
extension GraphModel {
    /// The batch's number of examples when this run may split: inference, several cores, at least two
    /// examples per core, and a share per core within one example of the others' unless there are eight
    /// per core or more.
    func examplesToSplit(_ feeds: [String: GraphValue]) -> Int? {
        let cores = ProcessInfoCores.count
        guard splitsExamples, !isTraining, !GradMode.isEnabled, !ProcessInfoCores.serialOverride, cores > 1,
              let first = inputs.first, let n = feeds[first.name]?.shape.first,
              n >= 2 * cores, n % cores == 0 || n >= 8 * cores else { return nil }
        return n
    }

    /// The run of `feeds` as the split known for inputs of their ranks and first extents says: in parts when it
    /// holds, whole when the graph does not split; whole and traced the first time (the trace decides). Other
    /// extents (a sequence's length) share the verdict: the operators' rules read ranks and axes, and a part
    /// meeting a shape fixed to one length fails its check and runs the batch whole. A split whose examples
    /// fill several rows of some value (merged with a length) holds for its traced shapes; other shapes are
    /// traced and filed on their own.
    func runSplitting(_ feeds: [String: GraphValue], examples: Int) throws -> [String: GraphValue] {
        let (key, verdict, shapes) = exampleSplitEntry(feeds)
        switch verdict {
        case .none:
            let plan = currentPlan()
            let slots = zip(inputs, plan.inputs).filter { feeds[$0.0.name]?.shape.first == examples }.map(\.1)
            let trace = ExampleSplitTrace(plan: plan, batchedInputs: slots, examples: examples,
                                          parameters: parameters().map(\.parameter), inputShapes: shapes)
            let out = try execute(feeds, observe: { trace.observe($0, $1, $2) }, nodeFinished: nil)
            planLock.withLock { exampleSplits[key] = .some(trace.split) }
            return out
        case .some(.some(let split)) where split.holds(for: nodes):
            if let out = runParts(feeds, examples: examples, split: split) { return out }
            planLock.withLock { exampleSplits[key] = .some(nil) }
            return try execute(feeds, observe: nil, nodeFinished: nil)
        case .some:
            return try execute(feeds, observe: nil, nodeFinished: nil)
        }
    }

    /// What the split for `feeds` is filed under, the verdict filed there (nil: not traced yet) and the inputs'
    /// shapes. The key is each input's rank and first extent; or, when the split filed there holds for its
    /// traced shapes only and these differ, [-1] followed by every input's shape. One look under the lock.
    func exampleSplitEntry(_ feeds: [String: GraphValue]) -> (key: [[Int]], verdict: ExampleSplit??, shapes: [[Int]]) {
        let coarse = inputs.map { input in feeds[input.name].map { [$0.shape.count, $0.shape.first ?? 0] } ?? [] }
        let shapes = inputs.map { feeds[$0.name]?.shape ?? [] }
        return planLock.withLock {
            let found = exampleSplits[coarse]
            guard case .some(.some(let split)) = found, let traced = split.inputShapes, traced != shapes else {
                return (coarse, found, shapes)
            }
            let key = [[-1]] + shapes
            return (key, exampleSplits[key], shapes)
        }
    }

    /// One run per core over its share of the examples, joined in order; nil when a part failed (the
    /// whole run then gives the answer or the error).
    func runParts(_ feeds: [String: GraphValue], examples n: Int, split: ExampleSplit) -> [String: GraphValue]? {
        let plan = currentPlan(), parts = ProcessInfoCores.count
        let batchedFeeds = Set(zip(inputs, plan.inputs).filter { split.rows[$0.1] > 0 }.map(\.0.name))
        for p in split.parameters { _ = p.effectiveValue }   // its lazy check, before the threads read it
        var results = [[String: GraphValue]?](repeating: nil, count: parts)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer.baseAddress!
            parallelFor(parts, work: 32_768) { p in
                let range = n * p / parts ..< n * (p + 1) / parts
                out[p] = withNoGrad {
                    var mine = feeds
                    for name in batchedFeeds { mine[name] = try? feeds[name]?.examples(range) }
                    return try? execute(mine, observe: nil, nodeFinished: nil, part: (range.count, split))
                }
            }
        }
        let done = results.compactMap { $0 }
        guard done.count == parts else { return nil }
        var joined: [String: GraphValue] = [:]
        for name in outputNames {
            guard let value = try? GraphValue.joiningExamples(done.compactMap { $0[name] }) else { return nil }
            joined[name] = value
        }
        return joined
    }
}
