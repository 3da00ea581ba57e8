import Foundation

/// The most memory one allocation sized from an input file may take. Sizes read from files (tensor
/// shapes, counts, inflated lengths) are checked against it before anything is allocated, so a
/// 93-byte model declaring a 16 GiB input is an error, not an out-of-memory kill.
///
/// The default is half of physical memory; `prune --max-memory` or `PRUNE_MAX_MEMORY` (bytes, or
/// with a K/M/G/T suffix) change it.
public enum MemoryBudget {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var configured: Int?

    /// The budget from the environment, or half of physical memory; read once.
    private static let initial: Int = {
        if let env = ProcessInfo.processInfo.environment["PRUNE_MAX_MEMORY"], let v = parse(env) { return v }
        return Int(ProcessInfo.processInfo.physicalMemory / 2)
    }()

    /// The budget in bytes.
    public static var bytes: Int {
        get { lock.withLock { configured ?? initial } }
        set { lock.withLock { configured = newValue } }
    }

    /// Parses "4G", "512M", "1.5G" or a plain byte count; nil when it is not a positive size.
    public static func parse(_ text: String) -> Int? {
        let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        if t.hasSuffix("B") { t.removeLast() }
        var scale = 1.0
        if let last = t.last, let u = units[last] { scale = u; t.removeLast() }
        guard let v = Double(t), v.isFinite, v > 0, v * scale < 9e18 else { return nil }
        return Int(v * scale)
    }

    /// Throws when `bytes` (nil: a size that overflowed) exceeds the budget; `what` names the data.
    public static func check(_ bytes: Int?, for what: @autoclosure () -> String) throws {
        let budget = Self.bytes
        guard let bytes, bytes <= budget else { throw MemoryBudgetExceeded(what: what(), bytes: bytes, budget: budget) }
    }

    /// Checks `count` elements of `elementSize` bytes.
    public static func check(elements count: Int?, of elementSize: Int, for what: @autoclosure () -> String) throws {
        let (b, overflow) = (count ?? Int.max).multipliedReportingOverflow(by: elementSize)
        try check(count == nil || overflow ? nil : b, for: what())
    }
}

/// An allocation an input asked for that is larger than ``MemoryBudget``.
public struct MemoryBudgetExceeded: Error, CustomStringConvertible {
    public let what: String
    /// Nil when the size overflowed 64 bits.
    public let bytes: Int?
    public let budget: Int

    public var description: String {
        let size = bytes.map { Self.text($0) } ?? "more than 2^63 bytes"
        return "\(what) needs \(size), above the memory budget of \(Self.text(budget)) "
            + "(--max-memory or PRUNE_MAX_MEMORY)"
    }

    static func text(_ b: Int) -> String {
        let g = Double(b) / Double(1 << 30)
        return g >= 1 ? String(format: "%.1f GiB", g) : String(format: "%.1f MiB", Double(b) / Double(1 << 20))
    }
}
