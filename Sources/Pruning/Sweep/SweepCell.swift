import Foundation
import Yams

/// One cell of a ``SweepGrid``: one value per axis, applied to the base recipe.
public struct SweepCell: Sendable {
    /// Position in the grid (the first axis varies slowest).
    public let index: Int
    /// Axis name and value label, in axis order.
    public let labels: [Label]
    /// The cell's recipe, with `out` set to the cell's model file.
    public let recipe: Recipe
    /// The recipe's YAML text (stored with the result, so a changed grid is not mistaken for a finished one).
    public let recipeText: String

    public struct Label: Sendable, Codable, Equatable {
        public let axis: String
        public let value: String
        public init(axis: String, value: String) { self.axis = axis; self.value = value }
    }

    /// `axis=value` pairs joined by commas, with characters a file name should not hold replaced.
    public var key: String { Self.key(labels) }

    public static func key(_ labels: [Label]) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._=+-")
        let raw = labels.map { "\($0.axis)=\($0.value)" }.joined(separator: ",")
        return String(raw.map { allowed.contains($0) || $0 == "," ? $0 : "_" })
    }
}

extension SweepGrid {
    /// Every combination of axis values, in order (the last axis varies fastest); each recipe is
    /// checked now, so a bad value stops the sweep before any work, naming the cell.
    public func cells() throws -> [SweepCell] {
        var combinations: [[Value]] = [[]]
        for axis in axes { combinations = combinations.flatMap { c in axis.values.map { c + [$0] } } }
        var cells: [SweepCell] = []
        var keys = Set<String>()
        for (index, values) in combinations.enumerated() {
            let labels = zip(axes, values).map { SweepCell.Label(axis: $0.name, value: $1.label) }
            let key = SweepCell.key(labels)
            guard keys.insert(key).inserted else {
                throw RecipeError(line: nil, message: "two cells have the file key \(key); give the values distinct "
                                  + "names")
            }
            var node = base
            for value in values {
                for s in value.settings { node = try Self.setting(s.value, at: s.key, in: node, cell: key) }
            }
            node = try Self.setting(Node(cellModelPath(key, base: node)), at: "out", in: node, cell: key)
            let text = try Yams.serialize(node: node)
            let recipe: Recipe
            do { recipe = try Recipe.parse(text) } catch let e as RecipeError {
                throw RecipeError(line: nil, message: "cell \(key): \(e.message)")
            }
            cells.append(SweepCell(index: index, labels: labels, recipe: recipe, recipeText: text))
        }
        return cells
    }

    /// Where a cell's result (JSON) is written.
    public func resultPath(_ cell: SweepCell) -> String { "\(out)/cells/\(cell.key).json" }

    func cellModelPath(_ key: String, base: Node) -> String {
        let model = base.mapping?["model"]?.string ?? ""
        return "\(out)/cells/\(key)" + (model.lowercased().hasSuffix(".onnx") ? ".onnx" : ".safetensors")
    }

    /// `node` with the value at a dotted key path (`prune.sparsity`) replaced or added.
    static func setting(_ value: Node, at key: String, in node: Node, cell: String) throws -> Node {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains("") else {
            throw RecipeError(line: nil, message: "cell \(cell): \"\(key)\" is not a recipe key path")
        }
        return try setting(value, at: parts[...], in: node, cell: cell, key: key)
    }

    private static func setting(_ value: Node, at parts: ArraySlice<String>, in node: Node, cell: String,
                                key: String) throws -> Node {
        guard let first = parts.first else { return value }
        guard case .mapping(var mapping) = node else {
            throw RecipeError(line: node.mark?.line, message: "cell \(cell): cannot set \(key): the recipe has a "
                              + "value, not a section, on the way")
        }
        let child = mapping[first] ?? Node.mapping(Node.Mapping([]))
        mapping[first] = try setting(value, at: parts.dropFirst(), in: child, cell: cell, key: key)
        return .mapping(mapping)
    }
}
