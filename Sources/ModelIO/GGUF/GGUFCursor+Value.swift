extension GGUFCursor {
    /// Reads one metadata value of type `code`; arrays nest at most `depth` levels.
    mutating func value(type code: UInt32, key: String, depth: Int = 0) throws -> GGUFValue {
        switch code {
        case 0: return .uint8(try u8(key))
        case 1: return .int8(Int8(bitPattern: try u8(key)))
        case 2: return .uint16(try u16(key))
        case 3: return .int16(Int16(bitPattern: try u16(key)))
        case 4: return .uint32(try u32(key))
        case 5: return .int32(Int32(bitPattern: try u32(key)))
        case 6: return .float32(Float(bitPattern: try u32(key)))
        case 7:
            let b = try u8(key)
            guard b <= 1 else { throw ModelIOError(file: file,
                                                   "metadata \(key): boolean byte \(b) is neither 0 nor 1") }
            return .bool(b == 1)
        case 8: return .string(try string("metadata \(key)"))
        case 9: return try array(key: key, depth: depth)
        case 10: return .uint64(try u64(key))
        case 11: return .int64(Int64(bitPattern: try u64(key)))
        case 12: return .float64(Double(bitPattern: try u64(key)))
        default: throw ModelIOError(file: file, "metadata \(key): unknown value type \(code)")
        }
    }

    static let fixedSizes: [UInt32: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 8: 8, 9: 12, 10: 8,
                                            11: 8, 12: 8]

    private mutating func array(key: String, depth: Int) throws -> GGUFValue {
        guard depth < 4 else { throw ModelIOError(file: file, "metadata \(key): arrays nested more than 4 deep") }
        let element = try u32("element type of \(key)")
        guard let size = Self.fixedSizes[element] else {
            throw ModelIOError(file: file, "metadata \(key): unknown array element type \(element)")
        }
        let n = try count("length of array \(key)", minimumSize: size)
        var items: [GGUFValue] = []
        items.reserveCapacity(n)
        for _ in 0..<n { items.append(try value(type: element, key: key, depth: depth + 1)) }
        return .array(elementType: element, items)
    }
}
