import Foundation

/// One parser under fuzzing: its seeds and one execution on arbitrary bytes. An execution may accept
/// the input or reject it with an error; it must never crash, hang or allocate above the memory budget.
///
/// The same targets run in-process under ``FuzzRunner`` (the test suite's fixed-count pass) and under
/// libFuzzer with the address sanitizer (`scripts/fuzz.sh`, the `Fuzz/` package).
public protocol FuzzTarget: Sendable {
    /// The name used by `prune fuzz` and `scripts/fuzz.sh`.
    var name: String { get }
    /// Whether size fields are written as text (JSON, YAML, CSV) or as binary integers.
    var encoding: SizeFieldEncoding { get }
    /// Seeds: real files found under `repository` (and the system's data folders), plus small valid
    /// inputs made in memory so a target always has seeds.
    func seeds(repository: String) throws -> [[UInt8]]
    /// Parses `bytes` (and uses the result a little); true when the input was accepted.
    func execute(_ bytes: [UInt8]) -> Bool
}

/// How a format writes its sizes and counts, which decides how ``SizeFieldMutator`` rewrites them.
public enum SizeFieldEncoding: Sendable {
    case text
    case binary
}

/// Every fuzz target, by name.
public enum FuzzTargets {
    public static let all: [any FuzzTarget] = [
        SafetensorsFuzzTarget(), IDXFuzzTarget(), CSVFuzzTarget(), RecipeFuzzTarget(), ONNXFuzzTarget(),
        CompressedModelFuzzTarget(), TreeJSONFuzzTarget(), ConnectFourFuzzTarget(), GGUFFuzzTarget(),
    ]

    public static func named(_ name: String) -> (any FuzzTarget)? { all.first { $0.name == name } }

    public static var names: [String] { all.map(\.name) }
}

/// Reading seed files: missing ones are skipped (the in-memory seeds remain), long ones are cut.
enum SeedFiles {
    static func read(_ paths: [String], limit: Int = 64 << 10) -> [[UInt8]] {
        paths.compactMap { FileManager.default.contents(atPath: $0) }.map { Array($0.prefix(limit)) }
    }

    /// Files directly in `folder` whose names end with `suffix`, sorted.
    static func list(_ folder: String, suffix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { folder + "/" + $0 }
    }
}
