import Foundation

/// How to read the target column of a CSV file.
public enum TargetKind: String, Sendable, CaseIterable {
    /// Classification when any target cell is not a number, or when all are integers with at most
    /// 50 distinct values; regression otherwise.
    case auto
    /// Every distinct target cell is a class.
    case classification
    /// The target cells are real numbers.
    case regression
}

extension TabularDataset {
    /// Reads a CSV file: a header row, then one row per sample; `target` names the target column,
    /// every other column must be numeric. Errors name the line and column at fault.
    public static func loadCSV(path: String, target: String, kind: TargetKind = .auto) throws -> TabularDataset {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TabularDataError.invalid("cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TabularDataError.invalid("\(path) is not UTF-8 text")
        }
        return try parseCSV(text, target: target, kind: kind)
    }

    /// Parses CSV text (see `loadCSV`). Quoted cells ("a, b" and "" escapes), CRLF line ends and a
    /// UTF-8 byte-order mark are accepted; blank lines are skipped.
    public static func parseCSV(_ text: String, target: String, kind: TargetKind = .auto) throws -> TabularDataset {
        let lines = CSVReader.rows(text)
        guard let (headerLine,
                   header) = lines.first, !header.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw TabularDataError.emptyFile
        }
        _ = headerLine
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let targetIndex = names.firstIndex(of: target) else {
            throw TabularDataError.missingTargetColumn(target, available: names)
        }
        guard names.count > 1 else { throw TabularDataError.noFeatures }
        let body = lines.dropFirst()
        guard !body.isEmpty else { throw TabularDataError.emptyFile }
        let featureIndices = names.indices.filter { $0 != targetIndex }
        var columns = [[Float]](repeating: [], count: featureIndices.count)
        var targetCells: [(line: Int, text: String)] = []
        for (line, cells) in body {
            guard cells.count == names.count else {
                throw TabularDataError.raggedRow(row: line, expected: names.count, found: cells.count)
            }
            for (j, c) in featureIndices.enumerated() {
                let cell = cells[c].trimmingCharacters(in: .whitespaces)
                guard !cell.isEmpty else { throw TabularDataError.missingCell(row: line, column: names[c]) }
                guard let v = Double(cell), v.isFinite else {
                    throw TabularDataError.nonNumericCell(row: line, column: names[c], value: cell)
                }
                columns[j].append(Float(v))
            }
            let t = cells[targetIndex].trimmingCharacters(in: .whitespaces)
            guard !t.isEmpty else { throw TabularDataError.missingCell(row: line, column: target) }
            targetCells.append((line, t))
        }
        let targetValue = try resolveTarget(targetCells, name: target, kind: kind)
        return try TabularDataset(columns: columns, featureNames: featureIndices.map { names[$0] },
                                  targetName: target, target: targetValue)
    }

    /// The target column as classes (text, or integers with at most 50 distinct values under `.auto`)
    /// or regression values.
    static func resolveTarget(_ cells: [(line: Int, text: String)], name target: String,
                              kind: TargetKind) throws -> TabularTarget {
        let numbers = cells.map { Double($0.text) }
        let allNumeric = numbers.allSatisfy { $0 != nil && $0!.isFinite }
        var resolved = kind
        if kind == .auto {
            // A mostly numeric column with a few NaN, infinite or non-numeric cells is a numeric target with
            // bad cells, not a classification task with those cells as extra classes.
            let finiteCount = numbers.filter { $0?.isFinite ?? false }.count
            if finiteCount < cells.count, finiteCount * 2 >= cells.count,
               let bad = zip(cells, numbers).first(where: { !($0.1?.isFinite ?? false) }) {
                throw TabularDataError.nonNumericCell(row: bad.0.line, column: target, value: bad.0.text)
            }
            let values = numbers.compactMap { $0 }
            let integral = allNumeric && values.allSatisfy { $0 == $0.rounded() }
            resolved = !allNumeric || (integral && Set(values).count <= 50) ? .classification : .regression
        }
        if resolved == .regression {
            if let bad = zip(cells, numbers).first(where: { $0.1 == nil || !$0.1!.isFinite }) {
                throw TabularDataError.nonNumericCell(row: bad.0.line, column: target, value: bad.0.text)
            }
            // Squared errors of larger values overflow Double; the tree could not be grown meaningfully.
            if let big = zip(cells, numbers).first(where: { abs($0.1!) > 1e150 }) {
                throw TabularDataError.invalid("line \(big.0.line), column \"\(target)\": \(big.0.text) is too large "
                                               + "for a regression target (|y| ≤ 1e150, or its squared error overflows); "
                                               + "rescale the target")
            }
            return .values(numbers.map { $0! })
        }
        var classes = Array(Set(cells.map(\.text)))
        if allNumeric { classes.sort { Double($0)! < Double($1)! } } else { classes.sort() }
        guard classes.count > 1 else { throw TabularDataError.singleClass(column: target, value: classes[0]) }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        return .classes(cells.map { index[$0.text]! }, names: classes)
    }
}

/// Splits CSV text into rows of cells, each with its 1-based line number.
enum CSVReader {
    static func rows(_ text: String) -> [(Int, [String])] {
        var result: [(Int, [String])] = []
        var cells: [String] = []
        var cell = ""
        var inQuotes = false
        var line = 1, rowLine = 1
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        func endRow() {
            cells.append(cell)
            cell = ""
            if !(cells.count == 1 && cells[0].trimmingCharacters(in: .whitespaces).isEmpty) {
                result.append((rowLine, cells))
            }
            cells = []
        }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { cell.unicodeScalars.append("\""); i += 1 } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    cell.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                inQuotes = true
            } else if c == "," {
                cells.append(cell); cell = ""
            } else if c == "\n" || c == "\r" {
                if c == "\r" && i + 1 < chars.count && chars[i + 1] == "\n" { i += 1 }
                endRow()
                line += 1
                rowLine = line
            } else {
                cell.unicodeScalars.append(c)
            }
            i += 1
        }
        if !cell.isEmpty || !cells.isEmpty { endRow() }
        return result
    }
}
