import Foundation

/// One name a criterion type answers to, and how to build that criterion (`seed` feeds random ones).
public struct CriterionVariant: Sendable {
    public let name: String
    /// Listed in `ImportanceRegistry.names` (false for names that only explain themselves, like `snip`).
    public let listed: Bool
    public let make: @Sendable (_ seed: UInt64) throws -> any ImportanceCriterion

    public init(_ name: String, listed: Bool = true,
                make: @escaping @Sendable (_ seed: UInt64) throws -> any ImportanceCriterion) {
        self.name = name; self.listed = listed; self.make = make
    }
}

/// A criterion type the CLI and recipes can name: it lists its names (a type may answer to several,
/// like magnitude's `l1` and `l2`). Add one to ``ImportanceRegistry`` with `register(_:)`.
public protocol RegisteredCriterion: ImportanceCriterion {
    static var variants: [CriterionVariant] { get }
}

/// The criteria by the names the CLI and recipes use: a dictionary built from the list of
/// registered types, so a new criterion is one new type (plus one `register` call outside the library).
public enum ImportanceRegistry {
    /// The library's criteria, in the order `names` lists them.
    public static let builtIn: [any RegisteredCriterion.Type] = [
        RandomImportance.self, MagnitudeImportance.self, TaylorImportance.self, FisherImportance.self,
        OptimalBrainDamageImportance.self, LAMPImportance.self, WandaImportance.self, FPGMImportance.self,
        MovementImportance.self, ActivationImportance.self, BatchNormScaleImportance.self, SNIPImportance.self,
        HRankImportance.self, ThiNetImportance.self, LassoChannelImportance.self, DCPImportance.self,
    ]

    private final class Added: @unchecked Sendable {
        let lock = NSLock()
        var types: [any RegisteredCriterion.Type] = []
    }
    private static let added = Added()

    /// Adds a criterion type (its names then work in `make`, recipes and the CLI of this process).
    /// A name already taken is an error.
    public static func register(_ type: any RegisteredCriterion.Type) throws {
        let taken = Set(variants.map(\.name))
        if let clash = type.variants.first(where: { taken.contains($0.name) }) {
            throw PruningError.invalidOption("the criterion name \(clash.name) is already registered")
        }
        added.lock.lock(); defer { added.lock.unlock() }
        added.types.append(type)
    }

    /// Every variant of every registered type, built-in first.
    public static var variants: [CriterionVariant] {
        added.lock.lock(); defer { added.lock.unlock() }
        return (builtIn + added.types).flatMap { $0.variants }
    }

    /// The names of the criteria for trained models (`snip` is pruning at initialization: ``PruneAtInit``).
    public static var names: [String] { variants.filter(\.listed).map(\.name) }

    /// The criterion named `name` (case-insensitive; `seed` feeds the random one).
    public static func make(_ name: String, seed: UInt64 = 0) throws -> any ImportanceCriterion {
        let key = name.lowercased()
        guard let variant = variants.first(where: { $0.name == key }) else {
            throw PruningError.invalidOption("unknown criterion \(name); known: \(names.joined(separator: ", "))")
        }
        return try variant.make(seed)
    }
}
