/// The name of a criterion of ``ImportanceRegistry``, checked when parsed (an unknown name, or one
/// that only explains itself like `snip`, is an error then).
public struct CriterionName: OptionValue, Hashable {
    public let name: String

    public init(parsing text: String) throws {
        _ = try ImportanceRegistry.make(text)
        name = text.lowercased()
    }

    /// The criterion, its random choices seeded by `seed`.
    public func make(seed: UInt64) throws -> any ImportanceCriterion { try ImportanceRegistry.make(name, seed: seed) }

    public static let optionName = "criterion"
    public static var knownValues: [String] { ImportanceRegistry.names }
    public var description: String { name }

    /// Unchecked: for the library's own defaults.
    init(builtIn name: String) { self.name = name }
    public static let magnitude = CriterionName(builtIn: "magnitude")
    public static let l2 = CriterionName(builtIn: "l2")
}
