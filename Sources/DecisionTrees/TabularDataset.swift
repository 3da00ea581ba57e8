/// The target column of a tabular data set: class indices (classification) or real values (regression).
public enum TabularTarget: Sendable, Equatable {
    /// Class index per row, and the class names in index order.
    case classes([Int], names: [String])
    /// A real value per row.
    case values([Double])

    /// Number of rows.
    public var count: Int {
        switch self {
        case .classes(let c, _): return c.count
        case .values(let v): return v.count
        }
    }

    /// Whether this is a classification target.
    public var isClassification: Bool { if case .classes = self { return true } else { return false } }
}

/// A table of numeric features with one target, as trees are grown on it.
///
/// Features are stored column by column as `Float` — the same precision scikit-learn's trees use,
/// so split thresholds (midpoints of neighbouring values) come out the same.
public struct TabularDataset: Sendable {
    /// Feature values, `columns[feature][row]`.
    public var columns: [[Float]]
    /// Feature names, one per column.
    public var featureNames: [String]
    /// Name of the target column.
    public var targetName: String
    /// The target.
    public var target: TabularTarget

    /// Creates a data set; every column must have as many rows as the target.
    public init(columns: [[Float]], featureNames: [String], targetName: String, target: TabularTarget) throws {
        guard columns.count == featureNames.count else {
            throw TabularDataError.invalid("\(columns.count) feature columns but \(featureNames.count) names")
        }
        for (j, c) in columns.enumerated() where c.count != target.count {
            throw TabularDataError.invalid("feature \(featureNames[j]) has \(c.count) rows, the target has \(target.count)")
        }
        for (j, c) in columns.enumerated() {
            if let i = c.firstIndex(where: { !$0.isFinite }) {
                throw TabularDataError.invalid("feature \(featureNames[j]) is not finite at row \(i + 1)")
            }
        }
        if case .classes(let c, let names) = target, let bad = c.first(where: { $0 < 0 || $0 >= names.count }) {
            throw TabularDataError.invalid("class index \(bad) out of range 0..<\(names.count)")
        }
        if case .values(let v) = target, let i = v.firstIndex(where: { !$0.isFinite }) {
            throw TabularDataError.invalid("target \(targetName) is not finite at row \(i + 1)")
        }
        self.columns = columns
        self.featureNames = featureNames
        self.targetName = targetName
        self.target = target
    }

    /// Number of rows.
    public var rowCount: Int { target.count }
    /// Number of features.
    public var featureCount: Int { columns.count }
    /// Number of classes (0 for regression).
    public var classCount: Int { if case .classes(_, let n) = target { return n.count } else { return 0 } }
    /// Class names (empty for regression).
    public var classNames: [String] { if case .classes(_, let n) = target { return n } else { return [] } }

    /// The feature values of one row.
    public func row(_ i: Int) -> [Float] { columns.map { $0[i] } }

    /// The rows at the given indices, in that order.
    public func subset(_ rows: [Int]) -> TabularDataset {
        var copy = self
        copy.columns = columns.map { c in rows.map { c[$0] } }
        switch target {
        case .classes(let c, let names): copy.target = .classes(rows.map { c[$0] }, names: names)
        case .values(let v): copy.target = .values(rows.map { v[$0] })
        }
        return copy
    }
}

/// Errors in tabular data: each names the row and column where it can.
public enum TabularDataError: Error, CustomStringConvertible, Equatable {
    case emptyFile
    case missingTargetColumn(String, available: [String])
    case raggedRow(row: Int, expected: Int, found: Int)
    case nonNumericCell(row: Int, column: String, value: String)
    case missingCell(row: Int, column: String)
    case singleClass(column: String, value: String)
    case noFeatures
    case invalid(String)

    public var description: String {
        switch self {
        case .emptyFile: return "the CSV file is empty: it needs a header row and at least one data row"
        case .missingTargetColumn(let t,
                                  let cols): return "no column named \"\(t)\" in the header (columns: \(cols.joined(separator: ", ")))"
        case .raggedRow(let r, let e, let f): return "line \(r): the row has \(f) cells, the header has \(e)"
        case .nonNumericCell(let r, let c,
                             let v): return "line \(r), column \"\(c)\": \"\(v)\" is not a number "
                                + "(features and numeric targets must be finite numbers)"
        case .missingCell(let r, let c): return "line \(r), column \"\(c)\": the cell is empty"
        case .singleClass(let c, let v): return "target column \"\(c)\" has a single class (\"\(v)\"): nothing to learn"
        case .noFeatures: return "the CSV has no feature columns besides the target"
        case .invalid(let m): return m
        }
    }
}
