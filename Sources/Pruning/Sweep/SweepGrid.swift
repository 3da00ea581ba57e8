import Foundation
import Yams

/// A grid of pruning runs, as ShrinkBench lays out its experiments (Blalock et al., "What is the state
/// of neural network pruning?", MLSys 2020): a base recipe and axes of values; every combination of one
/// value per axis is a cell, an independent job with its own result, so a grid can be split into shards
/// that run anywhere and merged afterwards.
///
/// ```yaml
/// recipe: quickstart.yaml            # the base recipe (relative to this file), or `base:` inline
/// grid:
///   method:                          # an axis whose values set several recipe keys; name labels it
///     - {name: global-magnitude, prune.criterion: magnitude, prune.scope: global}
///     - {name: layer-random, prune.criterion: random, prune.scope: layer}
///   prune.sparsity: [0.5, 0.8, 0.9]  # an axis named by a recipe key sets that key
///   seed: [0, 1, 2]
/// out: runs/sweep-lenet300           # cells/<key>.json and the cells' models go here
/// ```
public struct SweepGrid {
    /// One value of an axis: its label in tables and the recipe keys (dotted paths) it sets.
    public struct Value {
        public let label: String
        public let settings: [(key: String, value: Node)]
    }

    public struct Axis {
        public let name: String
        public let values: [Value]
    }

    /// The base recipe as a YAML mapping.
    public let base: Node
    public let axes: [Axis]
    /// The sweep's folder.
    public let out: String

    /// Reads a grid file; a `recipe:` path is relative to the grid file's folder.
    public static func load(path: String) throws -> SweepGrid {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw RecipeError(line: nil, message: "cannot read \(path)") }
        let folder = (path as NSString).deletingLastPathComponent
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(text, folder: folder, defaultOut: "runs/sweep-\(stem)")
    }

    /// Parses grid text; `folder` resolves the base recipe's path.
    public static func parse(_ text: String, folder: String = "", defaultOut: String = "runs/sweep") throws
        -> SweepGrid {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let e as YamlError {
            throw RecipeError(line: Recipe.line(of: e), message: "not valid YAML: \(Recipe.problem(of: e))")
        }
        guard let root else { throw RecipeError(line: nil, message: "the grid file is empty") }
        let top = try RecipeReader.mapping(root, "the grid", allowed: ["recipe", "base", "grid", "out"])
        let base = try readBase(top, folder: folder, line: root.mark?.line)
        guard let gridNode = top["grid"] else {
            throw RecipeError(line: root.mark?.line, message: "the grid file has no grid: section (axes of values)")
        }
        let axes = try readAxes(gridNode)
        let out = try top["out"].map { try RecipeReader.string($0, "out") } ?? defaultOut
        return SweepGrid(base: base, axes: axes, out: out)
    }

    static func readBase(_ top: [String: Node], folder: String, line: Int?) throws -> Node {
        switch (top["recipe"], top["base"]) {
        case (let r?, nil):
            let name = try RecipeReader.string(r, "recipe")
            let path = name.hasPrefix("/") || folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else { throw RecipeError(line: r.mark?.line, message: "cannot read the base recipe \(path)") }
            _ = try Recipe.parse(text)   // its own errors first, with its own line numbers
            guard let node = try Yams.compose(yaml: text), node.mapping != nil else {
                throw RecipeError(line: r.mark?.line, message: "the base recipe \(path) is not a mapping")
            }
            return node
        case (nil, let b?):
            guard b.mapping != nil else {
                throw RecipeError(line: b.mark?.line, message: "base must be a recipe (a mapping of keys to values)")
            }
            return b
        case (.some, .some):
            throw RecipeError(line: line, message: "give the base recipe once: recipe: FILE or base: {…}, not both")
        case (nil, nil):
            throw RecipeError(line: line, message: "the grid names no base recipe (recipe: FILE or base: {…})")
        }
    }

    static func readAxes(_ node: Node) throws -> [Axis] {
        guard let mapping = node.mapping, !mapping.isEmpty else {
            throw RecipeError(line: node.mark?.line, message: "grid must map axis names to lists of values")
        }
        var axes: [Axis] = []
        for (k, v) in mapping {
            guard let name = k.string, !name.isEmpty else {
                throw RecipeError(line: k.mark?.line, message: "an axis name is not a string")
            }
            guard let items = v.sequence, !items.isEmpty else {
                throw RecipeError(line: v.mark?.line, message: "axis \(name) must be a non-empty list of values")
            }
            let values = try items.map { try readValue($0, axis: name) }
            var seen = Set<String>()
            for value in values where !seen.insert(value.label).inserted {
                throw RecipeError(line: v.mark?.line, message: "axis \(name) has the value \(value.label) twice")
            }
            axes.append(Axis(name: name, values: values))
        }
        return axes
    }

    static func readValue(_ node: Node, axis: String) throws -> Value {
        guard let mapping = node.mapping else {
            guard let text = node.scalar?.string, !text.isEmpty else {
                throw RecipeError(line: node.mark?.line, message: "a value of axis \(axis) must be a scalar, or a "
                                  + "mapping of recipe keys (with an optional name)")
            }
            return Value(label: text, settings: [(axis, node)])
        }
        var settings: [(key: String, value: Node)] = [], name: String?
        for (k, v) in mapping {
            guard let key = k.string else {
                throw RecipeError(line: k.mark?.line, message: "a key in axis \(axis) is not a string")
            }
            if key == "name" { name = try RecipeReader.string(v, "\(axis).name"); continue }
            settings.append((key, v))
        }
        guard !settings.isEmpty else {
            throw RecipeError(line: node.mark?.line, message: "a value of axis \(axis) sets no recipe key")
        }
        let label = name ?? settings.map { "\($0.key)=\($0.value.scalar?.string ?? "…")" }.joined(separator: ",")
        return Value(label: label, settings: settings)
    }
}
