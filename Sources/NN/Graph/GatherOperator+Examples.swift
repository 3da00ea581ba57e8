import PruneTensor

extension GatherOperator {
    /// Along the first axis of data whose examples fill k rows each, at indices without examples of their own
    /// (computed from shapes: the transformers exports gather their attention mask, flattened to
    /// [examples·length, 1], at rows b·length + j), the examples stay apart when every index in the e-th run of
    /// the indices' first axis (m / examples of its m rows) falls in example e's rows, which the values of the
    /// traced run show; the output then has m / examples rows per example. A part recomputes the indices from
    /// its own shapes: indices fixed to the whole batch give a first extent the part's check refuses, or fall
    /// outside the part's rows and fail. Anything else follows the default rule.
    public func exampleRows(_ inputs: [GraphValue?], rows: [Int], examples: Int, results: [GraphValue]) -> [Int]? {
        guard rows.count == 2, rows[0] > 0, rows[1] == 0, let data = inputs[0], let indices = inputs[1],
              (try? normalizedAxis(axis, rank: data.shape.count)) == 0 else {
            return defaultExampleRows(inputs, rows: rows, examples: examples, results: results)
        }
        guard let idx = try? indices.integers("indices"), let m = idx.shape.first, m > 0, m % examples == 0,
              idx.values.count > 0 else { return nil }
        let k = rows[0], n = data.shape[0], perRow = idx.values.count / m, rowsOut = m / examples
        for (position, value) in idx.values.enumerated() {
            let row = value < 0 ? value + n : value, example = position / perRow / rowsOut
            guard row >= example * k && row < (example + 1) * k else { return nil }
        }
        return [rowsOut]
    }
}
