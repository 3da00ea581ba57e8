/// Looks up one of a list of built-in choices by the name the CLI uses (case-insensitive), or gives one
/// error that lists the known names.
enum NamedChoice {
    static func find<T>(_ name: String, in all: [T], kind: String, name key: (T) -> String) throws -> T {
        guard let found = all.first(where: { key($0) == name.lowercased() }) else {
            throw PruningError.invalidOption("unknown \(kind) \(name); known: "
                                             + all.map(key).joined(separator: ", "))
        }
        return found
    }
}
