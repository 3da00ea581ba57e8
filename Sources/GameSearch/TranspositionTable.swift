/// A fixed-size table of searched positions: for each, the value found, whether it is exact or a
/// lower or upper bound, the depth it was searched to, and the best move's index.
///
/// Its capacity follows from a memory budget; two keys that map to the same slot compete under
/// the replacement policy.
public final class TranspositionTable {
    /// What a stored value means relative to the true value.
    public enum Bound: UInt8, Sendable { case exact, lower, upper }

    /// Which entry survives when two positions want the same slot.
    public enum Replacement: Sendable {
        /// The newest entry always wins.
        case alwaysReplace
        /// The entry searched deeper wins (ties go to the newer one).
        case depthPreferred
    }

    public struct Entry: Sendable {
        public var key: UInt64
        public var value: Int32
        public var depth: Int16
        public var bound: Bound
        public var bestMove: Int16
    }

    private var slots: [Entry?]
    public let replacement: Replacement
    public private(set) var stores = 0
    public private(set) var overwrites = 0

    /// A table holding as many entries as fit in `memoryBytes`.
    public init(memoryBytes: Int = 16 << 20, replacement: Replacement = .depthPreferred) {
        let entrySize = MemoryLayout<Entry?>.stride
        slots = Array(repeating: nil, count: Swift.max(1, memoryBytes / entrySize))
        self.replacement = replacement
    }

    /// The number of slots.
    public var capacity: Int { slots.count }

    /// The entry stored for `key`, if any.
    public func probe(_ key: UInt64) -> Entry? {
        guard let e = slots[Int(key % UInt64(slots.count))], e.key == key else { return nil }
        return e
    }

    /// Stores an entry, subject to the replacement policy.
    public func store(_ key: UInt64, value: Int, depth: Int, bound: Bound, bestMove: Int) {
        let i = Int(key % UInt64(slots.count))
        if let old = slots[i], old.key != key {
            if replacement == .depthPreferred && Int(old.depth) > depth { return }
            overwrites += 1
        }
        slots[i] = Entry(key: key, value: Int32(value), depth: Int16(depth), bound: bound, bestMove: Int16(bestMove))
        stores += 1
    }

    /// Empties the table.
    public func clear() {
        for i in slots.indices { slots[i] = nil }
        stores = 0; overwrites = 0
    }
}
