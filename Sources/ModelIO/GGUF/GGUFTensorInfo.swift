/// Where one tensor of a GGUF file lies and how it is stored.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    /// GGUF's dimensions, innermost first (`[in, out]` for a weight matrix).
    public let dimensions: [Int]
    public let type: GGMLType
    /// Byte offset of the data from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int

    /// The row-major (PyTorch) shape: GGUF's dimensions reversed.
    public var shape: [Int] { dimensions.reversed() }
    public var elementCount: Int { dimensions.reduce(1, *) }
}
