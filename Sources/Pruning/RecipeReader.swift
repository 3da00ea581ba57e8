import Yams

/// A recipe error: the line (when known) and what is wrong.
public struct RecipeError: Error, CustomStringConvertible, Equatable {
    public let line: Int?
    public let message: String
    public var description: String { line.map { "recipe line \($0): \(message)" } ?? "recipe: \(message)" }
}

/// Typed reads of YAML nodes with line-numbered errors.
enum RecipeReader {
    static func mapping(_ node: Node, _ what: String, allowed: [String]?) throws -> [String: Node] {
        guard let m = node.mapping else { throw RecipeError(line: node.mark?.line,
                                                            message: "\(what) must be a mapping of keys to values") }
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let key = k.string else { throw RecipeError(line: k.mark?.line,
                                                              message: "a key in \(what) is not a string") }
            if let allowed, !allowed.contains(key) {
                throw RecipeError(line: k.mark?.line,
                                  message: "unknown key \"\(key)\" in \(what) (known: \(allowed.joined(separator: ", ")))")
            }
            out[key] = v
        }
        return out
    }

    static func string(_ n: Node, _ key: String) throws -> String {
        guard let s = n.scalar?.string, !s.isEmpty else { throw RecipeError(line: n.mark?.line,
                                                                            message: "\(key) must be a non-empty string") }
        return s
    }

    static func strings(_ n: Node, _ key: String) throws -> [(String, Int?)] {
        if n.scalar != nil { return [(try string(n, key), n.mark?.line)] }
        guard let seq = n.sequence else { throw RecipeError(line: n.mark?.line,
                                                            message: "\(key) must be a list of names") }
        return try seq.map { (try string($0, key), $0.mark?.line) }
    }

    static func double(_ n: Node, _ key: String, above low: Double? = nil) throws -> Double {
        guard let s = n.scalar?.string, let v = Double(s), v.isFinite else {
            throw RecipeError(line: n.mark?.line,
                              message: "\(key) must be a number, got \(n.scalar?.string ?? "a collection")")
        }
        if let low, !(v > low) { throw RecipeError(line: n.mark?.line,
                                                   message: "\(key) must be greater than \(low), got \(v)") }
        return v
    }

    static func fraction(_ n: Node, _ key: String, allowOne: Bool) throws -> Double {
        let v = try double(n, key)
        guard v >= 0, allowOne ? v <= 1 : v < 1 else {
            throw RecipeError(line: n.mark?.line,
                              message: "\(key) = \(v) is impossible: it must be in [0, 1\(allowOne ? "]" : ")")\(v == 1 && !allowOne ? " (1 would remove every weight)" : "")")
        }
        return v
    }

    static func int(_ n: Node, _ key: String, min: Int) throws -> Int {
        guard let s = n.scalar?.string, let v = Int(s) else {
            throw RecipeError(line: n.mark?.line,
                              message: "\(key) must be an integer, got \(n.scalar?.string ?? "a collection")")
        }
        guard v >= min else { throw RecipeError(line: n.mark?.line,
                                                message: "\(key) must be at least \(min), got \(v)") }
        return v
    }

    static func bool(_ n: Node, _ key: String) throws -> Bool {
        guard let b = n.bool else { throw RecipeError(line: n.mark?.line, message: "\(key) must be true or false") }
        return b
    }

    /// A typed option (criterion, granularity, scope, schedule, …) parsed once; its error keeps the line.
    static func option<T: OptionValue>(_ n: Node, _ key: String) throws -> T {
        let text = try string(n, key)
        do { return try T(parsing: text) } catch { throw RecipeError(line: n.mark?.line, message: "\(error)") }
    }
}
