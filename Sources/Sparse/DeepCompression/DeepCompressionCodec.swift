import Foundation
import CZlib
import PruneTensor

/// The Deep Compression storage pipeline (Han, Mao & Dally, ICLR 2016): a pruned model's weight
/// matrices are stored as sparse entries whose positions are relative indices (gaps) and whose
/// values are indices into a per-layer table of 2^bits shared weights (``WeightSharing``); both
/// streams are Huffman coded (``HuffmanCode``). Other tensors (biases, BatchNorm statistics) are
/// stored as raw Float32.
///
/// File format (`.prune`, version 1; all integers little-endian):
///
///     "PRUNEDC" 0x01                        8-byte magic with the version
///     u32 n, then n bytes of JSON           header: metadata and, per tensor, name, shape,
///                                           encoding ("raw" | "shared"), bits, indexBits, entries,
///                                           payload offset and length (relative to the payload start)
///     payload                               tensors, one after another
///     u32 CRC-32 (zlib) of all bytes before it
///
/// A "shared" tensor's payload: 2^bits centroids as Float32; (2^bits + 1) value-code lengths and
/// 2^indexBits gap-code lengths, one byte each; u32 byte count of the bit stream; the bit stream,
/// which holds for each entry the Huffman code of its gap (zeros skipped since the previous entry,
/// row-major) followed by the code of its value (a centroid index, or 2^bits for the filler entry
/// that bridges a gap longer than 2^indexBits − 1, as in the paper).
public enum DeepCompressionCodec {
    static let magic: [UInt8] = Array("PRUNEDC".utf8) + [1]
    /// The 8-byte magic that starts every file (format version in the last byte).
    public static var fileMagic: [UInt8] { magic }

    /// Options: bits of the shared-weight index, bits of the relative index, and which tensors get
    /// weight sharing (default: every tensor of rank ≥ 2).
    public struct Options: Sendable {
        public var bits: Int
        public var indexBits: Int
        public var iterations: Int
        public init(bits: Int = 5, indexBits: Int = 5, iterations: Int = 30) {
            self.bits = bits; self.indexBits = indexBits; self.iterations = iterations
        }
    }

    /// Per-tensor accounting of one encoding.
    public struct TensorReport: Sendable, Codable {
        public var name: String
        public var shape: [Int]
        public var encoding: String
        public var nonZeros: Int
        public var denseBytes: Int
        public var storedBytes: Int
    }

    struct Header: Codable {
        var metadata: [String: String]
        var tensors: [Entry]
    }

    struct Entry: Codable {
        var name: String
        var shape: [Int]
        var encoding: String
        var bits: Int
        var indexBits: Int
        var entries: Int
        var offset: Int
        var length: Int
    }

    /// Encodes `tensors` (in name order) into the file format.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:],
                              options: Options = Options()) throws -> (data: Data, report: [TensorReport]) {
        guard (1...8).contains(options.bits), (1...8).contains(options.indexBits) else {
            throw DeepCompressionError.invalid("bits and index bits must be between 1 and 8 (got \(options.bits), \(options.indexBits))")
        }
        var payload: [UInt8] = []
        var entries: [Entry] = []
        var report: [TensorReport] = []
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            guard t.isFinite else { throw DeepCompressionError.invalid("\(name) holds NaN or infinite values") }
            let start = payload.count
            var entry = Entry(name: name, shape: t.shape, encoding: "raw", bits: 0, indexBits: 0, entries: 0,
                              offset: start, length: 0)
            if t.rank >= 2 {
                entry.encoding = "shared"; entry.bits = options.bits; entry.indexBits = options.indexBits
                entry.entries = try encodeShared(t.scalars, options: options, into: &payload)
            } else {
                for v in t.scalars { appendU32(v.bitPattern, &payload) }
            }
            entry.length = payload.count - start
            entries.append(entry)
            report.append(TensorReport(name: name, shape: t.shape, encoding: entry.encoding,
                                       nonZeros: t.scalars.filter { $0 != 0 }.count,
                                       denseBytes: t.count * 4, storedBytes: entry.length))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = try encoder.encode(Header(metadata: metadata, tensors: entries))
        var out = magic
        appendU32(UInt32(header.count), &out)
        out += header
        out += payload
        appendU32(crc(out), &out)
        return (Data(out), report)
    }

    private static func encodeShared(_ w: [Float], options: Options, into payload: inout [UInt8]) throws -> Int {
        let k = 1 << options.bits, filler = k, maxGap = (1 << options.indexBits) - 1
        let positions = w.indices.filter { w[$0] != 0 }
        let (centroids, assignment) = WeightSharing(bits: options.bits,
                                                    iterations: options.iterations).cluster(positions.map { w[$0] })
        // Entries: (gap, symbol), with fillers for long gaps.
        var gaps: [Int] = [], symbols: [Int] = []
        var previous = -1
        for (j, p) in positions.enumerated() {
            var gap = p - previous - 1
            while gap > maxGap { gaps.append(maxGap); symbols.append(filler); gap -= maxGap + 1 }
            gaps.append(gap); symbols.append(assignment[j])
            previous = p
        }
        var gapFreq = [Int](repeating: 0, count: maxGap + 1), symFreq = [Int](repeating: 0, count: k + 1)
        for g in gaps { gapFreq[g] += 1 }
        for s in symbols { symFreq[s] += 1 }
        let gapCode = HuffmanCode(frequencies: gapFreq), symCode = HuffmanCode(frequencies: symFreq)
        for j in 0..<k { appendU32((j < centroids.count ? centroids[j] : 0).bitPattern, &payload) }
        payload += symCode.lengths
        payload += gapCode.lengths
        var writer = BitWriter()
        for (g, s) in zip(gaps, symbols) { gapCode.encode(g, into: &writer); symCode.encode(s, into: &writer) }
        let bytes = writer.finish()
        appendU32(UInt32(bytes.count), &payload)
        payload += bytes
        return gaps.count
    }

    /// Decodes a file into its tensors and metadata; any inconsistency is a ``DeepCompressionError``.
    public static func decode(_ data: Data) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let bytes = [UInt8](data)
        guard bytes.count >= 16 else { throw DeepCompressionError.corrupt("file is \(bytes.count) bytes, too short for the header") }
        guard Array(bytes[0..<7]) == Array(magic[0..<7]) else { throw DeepCompressionError.corrupt("not a Prune compressed model (bad magic)") }
        guard bytes[7] == magic[7] else { throw DeepCompressionError.corrupt("unsupported format version \(bytes[7])") }
        let stored = readU32(bytes, bytes.count - 4)
        guard crc(Array(bytes[0..<(bytes.count - 4)])) == stored else {
            throw DeepCompressionError.corrupt("checksum mismatch (the file is truncated or damaged)")
        }
        let n = Int(readU32(bytes, 8))
        guard n <= bytes.count - 16 else { throw DeepCompressionError.corrupt("header length \(n) exceeds the file") }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[12..<(12 + n)])) } catch {
            throw DeepCompressionError.corrupt("header is not valid JSON")
        }
        let payloadStart = 12 + n, payloadEnd = bytes.count - 4
        var tensors: [String: Tensor] = [:]
        var decodedBytes = 0
        for e in header.tensors {
            let payloadLength = payloadEnd - payloadStart
            guard e.offset >= 0, e.length >= 0, e.offset <= payloadLength, e.length <= payloadLength - e.offset else {
                throw DeepCompressionError.corrupt("\(e.name): payload range out of bounds")
            }
            guard let count = CheckedSize.elements(e.shape) else {
                throw DeepCompressionError.corrupt("\(e.name): shape \(e.shape) is negative or overflows")
            }
            guard tensors[e.name] == nil else { throw DeepCompressionError.corrupt("tensor \(e.name) appears twice") }
            let (tensorBytes, o1) = count.multipliedReportingOverflow(by: 4)
            let (total, o2) = decodedBytes.addingReportingOverflow(tensorBytes)
            try MemoryBudget.check(o1 || o2 ? nil : total, for: "decoding \(e.name) (shape \(e.shape))")
            decodedBytes = total
            let p = Array(bytes[(payloadStart + e.offset)..<(payloadStart + e.offset + e.length)])
            var values: [Float]
            switch e.encoding {
            case "raw":
                guard p.count == count * 4 else { throw DeepCompressionError.corrupt("\(e.name): \(p.count) bytes for \(count) values") }
                values = (0..<count).map { Float(bitPattern: readU32(p, $0 * 4)) }
            case "shared":
                values = try decodeShared(p, entry: e, count: count)
            default:
                throw DeepCompressionError.corrupt("\(e.name): unknown encoding \(e.encoding)")
            }
            tensors[e.name] = Tensor(unchecked: e.shape, values)
        }
        return (tensors, header.metadata)
    }

    private static func decodeShared(_ p: [UInt8], entry e: Entry, count: Int) throws -> [Float] {
        guard (1...8).contains(e.bits), (1...8).contains(e.indexBits) else { throw DeepCompressionError.corrupt("\(e.name): bits out of range") }
        let k = 1 << e.bits, gapSymbols = 1 << e.indexBits
        let fixed = 4 * k + (k + 1) + gapSymbols + 4
        guard p.count >= fixed else { throw DeepCompressionError.corrupt("\(e.name): payload too short") }
        let centroids = (0..<k).map { Float(bitPattern: readU32(p, $0 * 4)) }
        let symLengths = Array(p[(4 * k)..<(4 * k + k + 1)]), gapLengths = Array(p[(5 * k + 1)..<(5 * k + 1 + gapSymbols)])
        for lengths in [symLengths, gapLengths] {
            guard lengths.allSatisfy({ $0 <= HuffmanCode.maxLength }),
                  lengths.reduce(0.0, { $0 + ($1 == 0 ? 0 : pow(2.0, -Double($1))) }) <= 1 + 1e-12 else {
                throw DeepCompressionError.corrupt("\(e.name): invalid Huffman code lengths")
            }
        }
        let streamBytes = Int(readU32(p, fixed - 4))
        guard fixed + streamBytes == p.count else { throw DeepCompressionError.corrupt("\(e.name): bit stream length mismatch") }
        guard e.entries >= 0, e.entries <= streamBytes * 4 else {
            throw DeepCompressionError.corrupt(
                "\(e.name): \(e.entries) entries cannot fit a \(streamBytes)-byte bit stream")
        }
        var reader = BitReader(Array(p[fixed...]))
        let symCode = HuffmanCode(lengths: symLengths), gapCode = HuffmanCode(lengths: gapLengths)
        var values = [Float](repeating: 0, count: count)
        var position = -1
        for _ in 0..<e.entries {
            let gap = try gapCode.decode(from: &reader), s = try symCode.decode(from: &reader)
            position += gap + 1
            guard position < count else { throw DeepCompressionError.corrupt("\(e.name): entry beyond the tensor's \(count) values") }
            if s < k { values[position] = centroids[s] }
        }
        return values
    }

    static func appendU32(_ v: UInt32, _ out: inout [UInt8]) {
        out += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
    }

    static func readU32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    /// The CRC-32 the file ends with, of all bytes before it.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 { crc(bytes) }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
    }
}
