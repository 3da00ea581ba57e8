/// The Connect-Four solver's transposition table (Pons's "Solving Connect Four", parts 7 and 12): one
/// 8-byte slot per position key modulo a prime, holding the key (below 2^49) shifted left by 8 and a
/// value byte, so a lookup touches one cache line. Upper bounds are stored as `score − minScore + 1`
/// and lower bounds shifted past them, as `score + maxScore − 2·minScore + 2`, so a stored byte is
/// never 0 and 0 marks an empty slot (the empty board's key is 0 too).
struct ConnectFourBoundTable {
    /// What a slot says of a position's score.
    enum Bound: Equatable {
        case upper(Int)
        case lower(Int)
    }

    private var slots: [UInt64]
    private let minScore = ConnectFourSolver.minScore
    private let maxScore = ConnectFourSolver.maxScore

    /// The largest prime count of 8-byte slots that fits in `megabytes` (at least 1 KB): 8,388,593 for
    /// 64 MB, the size of Pons's table.
    init(megabytes: Int) {
        slots = Array(repeating: 0, count: Self.prime(atMost: Swift.max(1024, megabytes << 20) / 8))
    }

    mutating func reset() {
        slots.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    func bound(_ key: UInt64) -> Bound? {
        let entry = slots[Int(key % UInt64(slots.count))]
        guard entry >> 8 == key else { return nil }
        let v = Int(entry & 0xFF)
        if v == 0 { return nil }
        if v > maxScore - minScore + 1 { return .lower(v + 2 * minScore - maxScore - 2) }
        return .upper(v + minScore - 1)
    }

    mutating func storeUpper(_ key: UInt64, _ score: Int) { store(key, score - minScore + 1) }

    mutating func storeLower(_ key: UInt64, _ score: Int) { store(key, score + maxScore - 2 * minScore + 2) }

    private mutating func store(_ key: UInt64, _ value: Int) {
        slots[Int(key % UInt64(slots.count))] = key << 8 | UInt64(value)
    }

    static func prime(atMost n: Int) -> Int {
        func isPrime(_ x: Int) -> Bool {
            if x < 2 || x % 2 == 0 { return x == 2 }
            var d = 3
            while d * d <= x { if x % d == 0 { return false }; d += 2 }
            return true
        }
        var p = n
        while !isPrime(p) { p -= 1 }
        return p
    }
}
