import Foundation
import ONNXProto
import PruneAutodiff
import PruneNN
import PruneTensor

/// Converts ONNX tensors (raw or typed data, internal or external) to Prune values and back.
enum ONNXTensorCodec {
    typealias DataType = Onnx_TensorProto.DataType

    static func dims(_ t: Onnx_TensorProto, _ what: String) throws -> [Int] {
        guard t.dims.allSatisfy({ $0 >= 0 && $0 < 1 << 40 }) else { throw ONNXError.malformed(file: what,
                reason: "tensor '\(t.name)' has a negative or huge dimension \(t.dims)") }
        let d = t.dims.map { Int($0) }
        // Each extent is below 2^40, so a running product that stops at 2^34 cannot overflow.
        guard d.contains(0) || d.reduce(1, { Swift.min($0 * $1, 1 << 34) }) < 1 << 34 else {
            throw ONNXError.malformed(file: what, reason: "tensor '\(t.name)' is too large (\(d))")
        }
        return d
    }

    /// The bytes of `raw_data`, or of the external file it points to.
    static func rawBytes(_ t: Onnx_TensorProto, baseDirectory: String?) throws -> Data? {
        if t.dataLocation == .external {
            var location: String?, offset = 0, length: Int?
            for e in t.externalData {
                switch e.key {
                case "location": location = e.value
                case "offset": offset = Int(e.value) ?? -1
                case "length": length = Int(e.value)
                default: break
                }
            }
            guard let location, offset >= 0, !location.contains(".."), !location.hasPrefix("/") else {
                throw ONNXError.malformed(file: t.name, reason: "tensor '\(t.name)' has invalid external data")
            }
            let path = (baseDirectory ?? ".") + "/" + location
            guard let handle = FileHandle(forReadingAtPath: path) else { throw ONNXError.malformed(file: path,
                    reason: "external data for '\(t.name)' cannot be read") }
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            let data = length.map { handle.readData(ofLength: $0) } ?? handle.readDataToEndOfFile()
            return data
        }
        return t.hasRawData ? t.rawData : nil
    }

    /// A float or integer graph value from an initializer or Constant.
    static func value(_ t: Onnx_TensorProto, baseDirectory: String?, file: String) throws -> GraphValue {
        let shape = try dims(t, file)
        let n = shape.contains(0) ? 0 : shape.reduce(1, *)
        let raw = try rawBytes(t, baseDirectory: baseDirectory)
        func check(_ count: Int) throws {
            guard count == n else { throw ONNXError.malformed(file: file,
                                                              reason: "tensor '\(t.name)' holds \(count) values for shape \(shape)") }
        }
        func fromRaw<T>(_ type: T.Type) throws -> [T] {
            guard let raw else { return [] }
            let size = MemoryLayout<T>.size
            guard raw.count == n * size else { throw ONNXError.malformed(file: file,
                                                                         reason: "tensor '\(t.name)': \(raw.count) bytes of data for shape \(shape)") }
            return raw.withUnsafeBytes { buf in (0..<n).map { buf.loadUnaligned(fromByteOffset: $0 * size,
                                                                                as: T.self) } }
        }
        switch DataType(rawValue: Int(t.dataType)) {
        case .float?:
            let v = raw != nil ? try fromRaw(Float.self) : t.floatData
            try check(v.count)
            return .float(Variable(Tensor(unchecked: shape, v)))
        case .double?:
            let v = raw != nil ? try fromRaw(Double.self) : t.doubleData
            try check(v.count)
            return .float(Variable(Tensor(unchecked: shape, v.map { Float($0) })))
        case .float16?:
            let bits: [UInt16] = raw != nil ? try fromRaw(UInt16.self) : t.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            try check(bits.count)
            return .float(Variable(Tensor(unchecked: shape, bits.map(halfToFloat))))
        case .int64?:
            let v = raw != nil ? try fromRaw(Int64.self) : t.int64Data
            try check(v.count)
            return .integer(try IntegerTensor(shape: shape, values: v.map { Int($0) }))
        case .bfloat16?:
            let bits: [UInt16] = raw != nil ? try fromRaw(UInt16.self) : t.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            try check(bits.count)
            return .float(Variable(Tensor(unchecked: shape, bits.map { Float(bitPattern: UInt32($0) << 16) })))
        case .uint32?, .uint64?:
            let v: [Int]
            if raw != nil {
                v = t.dataType == Int32(DataType.uint32.rawValue) ? try fromRaw(UInt32.self).map { Int($0) }
                                                                 : try fromRaw(UInt64.self).map { Int(truncatingIfNeeded: $0) }
            } else { v = t.uint64Data.map { Int(truncatingIfNeeded: $0) } }
            try check(v.count)
            return .integer(try IntegerTensor(shape: shape, values: v))
        case .int32?, .int16?, .int8?, .uint8?, .uint16?, .bool?:
            let v: [Int]
            if let raw {
                switch DataType(rawValue: Int(t.dataType))! {
                case .int32: v = try fromRaw(Int32.self).map { Int($0) }
                case .int16: v = try fromRaw(Int16.self).map { Int($0) }
                case .int8: v = try fromRaw(Int8.self).map { Int($0) }
                case .uint16: v = try fromRaw(UInt16.self).map { Int($0) }
                default: v = try fromRaw(UInt8.self).map { Int($0) }
                }
            } else { v = t.int32Data.map { Int($0) } }
            try check(v.count)
            return .integer(try IntegerTensor(shape: shape, values: v))
        default:
            throw ONNXError.malformed(file: file,
                                      reason: "tensor '\(t.name)' has data type \(t.dataType), which Prune does not read")
        }
    }

    /// Element types ``value(_:baseDirectory:file:)`` reads: floats become Float, integers and booleans Int.
    static let readableTypes: Set<DataType> = [.float, .double, .float16, .bfloat16, .int64, .int32, .int16, .int8,
                                                .uint8, .uint16, .uint32, .uint64, .bool]

    static func reads(_ t: Onnx_TensorProto) -> Bool {
        DataType(rawValue: Int(t.dataType)).map { readableTypes.contains($0) } ?? false
    }

    /// Whether values of this element type are read as floats.
    static func isFloat(_ elementType: Int32) -> Bool {
        [DataType.float, .double, .float16, .bfloat16].map { Int32($0.rawValue) }.contains(elementType)
    }

    /// IEEE half precision to single (subnormals, infinities and NaN included).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign: Float = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F), fraction = Float(h & 0x3FF)
        if exponent == 0 { return sign * fraction * 0x1p-24 }
        if exponent == 31 { return fraction == 0 ? sign * .infinity : .nan }
        return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }

    /// A float32 initializer with raw data.
    static func proto(name: String, tensor: Tensor) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = tensor.shape.map { Int64($0) }
        t.dataType = Int32(DataType.float.rawValue)
        t.rawData = tensor.scalars.withUnsafeBufferPointer { Data(buffer: $0) }
        return t
    }

    /// An int64 initializer with raw data.
    static func proto(name: String, integers: IntegerTensor) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = integers.shape.map { Int64($0) }
        t.dataType = Int32(DataType.int64.rawValue)
        let v = integers.values.map { Int64($0) }
        t.rawData = v.withUnsafeBufferPointer { Data(buffer: $0) }
        return t
    }
}
