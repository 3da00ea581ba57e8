import PruneTensor

/// A layer whose output for each example (the first axis of its input) depends on that example alone, so a
/// batch can be run in parts and joined (``GraphModel``'s example split).
public protocol ExampleWiseLayer: Module {
    /// Whether that holds for an input of rank `rank` in the layer's current mode (a BatchNorm that is training
    /// mixes the examples through the batch's statistics).
    func keepsExamplesApart(inputRank rank: Int) -> Bool
}

extension GraphOperator {
    /// What ``channelFlow`` says about the first axis: elementwise operators, reductions, permutations,
    /// joins and selections away from it keep examples apart; layouts do when the first axis keeps its
    /// extent (checked on the values by the caller); layers say so themselves (``ExampleWiseLayer``).
    public func keepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool]) -> Bool {
        let rank = inputs.first??.shape.count ?? 0
        switch channelFlow {
        case .elementwise: return Self.broadcastsAlongExamples(inputs, batched: batched)
        case .relayouts: return true
        case .reduces(let axes, _): return !axes.isEmpty && Self.missesFirstAxis(axes, rank: rank)
        case .permutes(let order): return order.first == 0
        case .concatenates(let axis): return Self.missesFirstAxis([axis], rank: rank)
        case .selects(let axis): return Self.missesFirstAxis([axis], rank: rank) || batched.first == false
        case .mixes: return Self.productKeepsExamplesApart(inputs, batched: batched)
        case .none: return readsOnlyShapes
        case .module, .fixes: return false
        }
    }

    /// Rows per example of the outputs: none for values computed from shapes; a layout (which keeps the values'
    /// order) may regroup the rows, as long as its first axis holds a whole number of them per example — example
    /// e's values are the e-th equal run of the buffer, so k rows each are rows e·k ..< (e + 1)·k; any other
    /// operator writes the rows per example its inputs with examples share.
    public func exampleRows(_ inputs: [GraphValue?], rows: [Int], examples: Int, results: [GraphValue]) -> [Int]? {
        defaultExampleRows(inputs, rows: rows, examples: examples, results: results)
    }

    /// The default ``exampleRows(_:rows:examples:results:)``, for the operators that override it in part.
    func defaultExampleRows(_ inputs: [GraphValue?], rows: [Int], examples: Int, results: [GraphValue]) -> [Int]? {
        guard keepsExamplesApart(inputs, batched: rows.map { $0 > 0 }) else { return nil }
        if readsOnlyShapes { return results.map { _ in 0 } }
        let given = Set(rows.filter { $0 > 0 })
        guard given.count == 1, let k = given.first else { return nil }
        let out = results.map { v -> Int? in
            guard let first = v.shape.first, first > 0 else { return nil }
            if case .relayouts = channelFlow { return first % examples == 0 ? first / examples : nil }
            return first == examples * k ? k : nil
        }
        return out.contains { $0 == nil } ? nil : out.compactMap { $0 }
    }

    /// Whether none of `axes` (negative ones counted from the end) is the first axis of a value of rank `rank`.
    static func missesFirstAxis(_ axes: [Int], rank: Int) -> Bool {
        axes.allSatisfy { (try? normalizedAxis($0, rank: rank)).map { $0 != 0 } ?? false }
    }

    /// For an operator whose examples may come only through its first input: whether the axes it works along
    /// (`axes(rank)`, nil when they cannot be told) miss the first one.
    static func keepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool], along axes: (Int) -> [Int]?) -> Bool {
        if batched.dropFirst().contains(true) { return false }
        guard batched.first == true, let rank = inputs.first??.shape.count else { return true }
        return axes(rank).map { missesFirstAxis($0, rank: rank) } ?? false
    }

    /// Whether the operands line up along the examples: each operand with examples has the widest rank
    /// (broadcasting aligns trailing axes, so a narrower one would lay its examples along another axis), and
    /// each without them broadcasts along them (a lower rank, or a first axis of 1).
    static func broadcastsAlongExamples(_ inputs: [GraphValue?], batched: [Bool]) -> Bool {
        let rank = inputs.map { $0?.shape.count ?? 0 }.max() ?? 0
        return zip(inputs, batched).allSatisfy { value, isBatched in
            guard let shape = value?.shape else { return true }
            return isBatched ? shape.count == rank : shape.count < rank || shape.first == 1
        }
    }

    /// A matrix product keeps examples apart when they are rows of A against a fixed B (of rank 2, or
    /// broadcasting along them), or the leading batch axis of both operands (rank 3 or more each).
    static func productKeepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool]) -> Bool {
        guard inputs.count >= 2, batched.count >= 2, let a = inputs[0]?.shape, let b = inputs[1]?.shape else {
            return false
        }
        switch (batched[0], batched[1]) {
        case (true, false): return a.count >= 2 && (b.count <= 2 || (b.count < a.count || b.first == 1))
        case (true, true): return a.count >= 3 && b.count >= 3 && a.count == b.count
        case (false, true): return b.count >= 3 && (a.count < b.count || a.first == 1)
        case (false, false): return true
        }
    }
}
