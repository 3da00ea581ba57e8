/// The ggml tensor types a GGUF file can hold, by their type code (ggml's `enum ggml_type`).
/// Only the ones with a ``GGMLBlockFormat`` can be read; the others are named in errors.
public struct GGMLType: Sendable, Hashable, CustomStringConvertible {
    public let code: UInt32
    public init(code: UInt32) { self.code = code }

    public static let f32 = GGMLType(code: 0), f16 = GGMLType(code: 1)
    public static let q4_0 = GGMLType(code: 2), q4_1 = GGMLType(code: 3)
    public static let q5_0 = GGMLType(code: 6), q5_1 = GGMLType(code: 7)
    public static let q8_0 = GGMLType(code: 8)
    public static let q4_K = GGMLType(code: 12), q5_K = GGMLType(code: 13), q6_K = GGMLType(code: 14)
    public static let bf16 = GGMLType(code: 30)

    static let names: [UInt32: String] = [
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1", 10: "Q2_K",
        11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS",
        19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32",
        27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
    ]

    public var description: String { Self.names[code] ?? "type \(code)" }

    /// How blocks of this type decode to Float32, or nil when Prune does not read the type.
    public var format: (any GGMLBlockFormat)? { GGMLBlockFormats.byCode[code] }
}
