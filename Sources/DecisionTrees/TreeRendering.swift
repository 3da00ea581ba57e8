import Foundation

extension DecisionTree {
    /// Indented text, one line per node: splits as `feature <= threshold`, leaves with their prediction.
    public func renderText(maxDepth: Int = .max) -> String {
        var lines: [String] = []
        func describeLeaf(_ i: Int) -> String {
            if isClassifier {
                let counts = value(i).map { String(Int($0)) }.joined(separator: ", ")
                return "class: \(classNames[majorityClass(i)])  (samples \(sampleCount[i]), counts [\(counts)])"
            }
            return "value: \(format(values[i]))  (samples \(sampleCount[i]))"
        }
        func visit(_ i: Int, _ depth: Int) {
            let pad = String(repeating: "|   ", count: depth)
            if isLeaf(i) || depth >= maxDepth {
                lines.append(pad + "|--- " + describeLeaf(i) + (isLeaf(i) ? "" : "  [truncated]"))
                return
            }
            let name = featureNames[feature[i]]
            lines.append(pad + "|--- \(name) <= \(format(threshold[i]))")
            visit(left[i], depth + 1)
            lines.append(pad + "|--- \(name) >  \(format(threshold[i]))")
            visit(right[i], depth + 1)
        }
        if nodeCount > 0 { visit(0, 0) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Graphviz DOT: boxes for splits, rounded boxes for leaves, edges labelled true/false.
    public func renderDOT() -> String {
        var out = "digraph Tree {\nnode [shape=box, fontname=\"Helvetica\"];\nedge [fontname=\"Helvetica\"];\n"
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"",
                with: "\\\"") }
        for i in 0..<nodeCount {
            var label: [String] = []
            if !isLeaf(i) { label.append("\(featureNames[feature[i]]) <= \(format(threshold[i]))") }
            label.append("\(criterion.rawValue) = \(format(impurity[i]))")
            label.append("samples = \(sampleCount[i])")
            if isClassifier {
                label.append("value = [\(value(i).map { String(Int($0)) }.joined(separator: ", "))]")
                label.append("class = \(classNames[majorityClass(i)])")
            } else {
                label.append("value = \(format(values[i]))")
            }
            let style = isLeaf(i) ? ", style=rounded" : ""
            out += "\(i) [label=\"\(esc(label.joined(separator: "\\n")))\"\(style)];\n"
        }
        for i in 0..<nodeCount where !isLeaf(i) {
            out += "\(i) -> \(left[i])\(i == 0 ? " [labeldistance=2.5, labelangle=45, headlabel=\"True\"]" : "");\n"
            out += "\(i) -> \(right[i])\(i == 0 ? " [labeldistance=2.5, labelangle=-45, headlabel=\"False\"]" : "");\n"
        }
        return out + "}\n"
    }

    private func format(_ x: Double) -> String {
        let s = String(format: "%.4g", x)
        return s
    }
}
