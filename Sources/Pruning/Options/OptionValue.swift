/// A setting the CLI and recipes spell as text, parsed once into a type (the CLI through
/// ArgumentParser, recipes through their line-numbered reader); the library holds only the type.
public protocol OptionValue: Sendable, Equatable, CustomStringConvertible {
    /// Parses a spelling; the error names the known values.
    init(parsing text: String) throws
    /// The spellings to list in help texts (empty when open-ended).
    static var knownValues: [String] { get }
    /// What the option is called in errors ("scope", "structured target").
    static var optionName: String { get }
}

extension OptionValue where Self: RawRepresentable, Self.RawValue == String, Self: CaseIterable {
    public init(parsing text: String) throws {
        guard let value = Self(rawValue: text.lowercased()) else {
            throw PruningError.invalidOption("unknown \(Self.optionName) \(text); known: \(Self.knownValues.joined(separator: ", "))")
        }
        self = value
    }
    public static var knownValues: [String] { allCases.map(\.rawValue) }
    public var description: String { rawValue }
}
