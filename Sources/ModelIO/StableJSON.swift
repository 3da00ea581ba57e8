import Foundation

/// JSON with its keys sorted, so identical values always give identical bytes (Foundation's encoder
/// otherwise orders keys as its dictionaries happen to): every JSON output file is written this way.
public enum StableJSON {
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        return try encoder.encode(value)
    }
}
