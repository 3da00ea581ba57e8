/// A canonical Huffman code over symbols 0..<n (Huffman 1952), as Deep Compression uses for the
/// shared-weight indices and the relative positions. Only the code lengths are stored; codes are
/// assigned canonically (shorter first, then by symbol), so encoder and decoder agree.
struct HuffmanCode {
    /// Code length per symbol (0 = symbol unused).
    let lengths: [UInt8]
    private let codes: [UInt32]
    /// code → symbol, indexed by code length.
    private let decodeTable: [[UInt32: Int]]
    static let maxLength = 24

    /// The optimal code for the given symbol frequencies (lengths limited to 24 bits by flattening
    /// the frequencies if needed).
    init(frequencies: [Int]) {
        var freq = frequencies
        var lengths = Self.lengths(for: freq)
        while (lengths.max() ?? 0) > Self.maxLength {
            freq = freq.map { $0 == 0 ? 0 : Swift.max(1, $0 / 2) }
            lengths = Self.lengths(for: freq)
        }
        self.init(lengths: lengths.map(UInt8.init))
    }

    init(lengths: [UInt8]) {
        self.lengths = lengths
        var codes = [UInt32](repeating: 0, count: lengths.count)
        var code: UInt32 = 0
        var previous = 0
        for s in lengths.indices.filter({ lengths[$0] > 0 }).sorted(by: { (lengths[$0], $0) < (lengths[$1], $1) }) {
            code <<= UInt32(Int(lengths[s]) - previous)
            codes[s] = code
            code += 1
            previous = Int(lengths[s])
        }
        self.codes = codes
        var table = [[UInt32: Int]](repeating: [:], count: Self.maxLength + 1)
        for s in lengths.indices where lengths[s] > 0 && Int(lengths[s]) <= Self.maxLength { table[Int(lengths[s])][codes[s]] = s }
        decodeTable = table
    }

    private static func lengths(for freq: [Int]) -> [Int] {
        let used = freq.indices.filter { freq[$0] > 0 }
        var lengths = [Int](repeating: 0, count: freq.count)
        if used.count == 1 { lengths[used[0]] = 1; return lengths }
        if used.isEmpty { return lengths }
        // Nodes: leaves first, then internal; a simple O(n²) merge is plenty for ≤ 2^8 symbols.
        var weight = used.map { freq[$0] }
        var parent = [Int](repeating: -1, count: used.count)
        var alive = Array(weight.indices)
        while alive.count > 1 {
            alive.sort { (weight[$0], $0) < (weight[$1], $1) }
            let a = alive.removeFirst(), b = alive.removeFirst()
            weight.append(weight[a] + weight[b]); parent.append(-1)
            parent[a] = weight.count - 1; parent[b] = weight.count - 1
            alive.append(weight.count - 1)
        }
        for (i, s) in used.enumerated() {
            var depth = 0, n = i
            while parent[n] >= 0 { depth += 1; n = parent[n] }
            lengths[s] = depth
        }
        return lengths
    }

    func encode(_ symbol: Int, into w: inout BitWriter) {
        w.write(codes[symbol], bits: Int(lengths[symbol]))
    }

    /// Decodes one symbol (canonical decoding, bit by bit).
    func decode(from r: inout BitReader) throws -> Int {
        var code: UInt32 = 0
        var length = 0
        while length < Self.maxLength {
            code = (code << 1) | (try r.readBit())
            length += 1
            if let s = decodeTable[length][code] { return s }
        }
        throw DeepCompressionError.corrupt("invalid Huffman code")
    }
}
