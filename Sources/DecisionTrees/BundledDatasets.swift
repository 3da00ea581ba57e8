import Foundation

/// The small tabular data sets bundled with the module (see `Datasets/README.md` for sources and
/// licences): iris, wine, breast cancer Wisconsin (diagnostic), optical digits (8×8) and diabetes (regression).
public enum BundledDatasets {
    /// Name, file and target column of each bundled set.
    public static let catalog: [(name: String, file: String, target: String)] = [
        ("iris", "iris", "species"),
        ("wine", "wine", "cultivar"),
        ("breast-cancer", "breast-cancer", "diagnosis"),
        ("digits", "digits", "digit"),
        ("diabetes", "diabetes", "progression"),
    ]

    /// Names of the bundled sets.
    public static var names: [String] { catalog.map(\.name) }

    /// The path of a bundled set's CSV file.
    public static func path(_ name: String) -> String? {
        guard let entry = catalog.first(where: { $0.name == name }) else { return nil }
        return Bundle.module.path(forResource: entry.file, ofType: "csv", inDirectory: "Datasets")
    }

    /// Loads a bundled set by name.
    public static func load(_ name: String) throws -> TabularDataset {
        guard let entry = catalog.first(where: { $0.name == name }), let p = path(name) else {
            throw TabularDataError.invalid("no bundled data set named \(name) (have: \(names.joined(separator: ", ")))")
        }
        return try TabularDataset.loadCSV(path: p, target: entry.target,
                                          kind: name == "diabetes" ? .regression : .classification)
    }
}
