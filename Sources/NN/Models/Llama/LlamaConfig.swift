/// The sizes of a Llama-family decoder (Touvron et al. 2023): the fields of a Hugging Face
/// `LlamaConfig` that decide the computation.
public struct LlamaConfig: Sendable, Codable, Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var keyValueHeadCount: Int
    public var headSize: Int
    public var ropeTheta: Double
    public var rmsNormEpsilon: Float
    public var contextLength: Int
    /// Whether the output head reuses the token embedding matrix.
    public var tiedEmbeddings: Bool
    public var bos: Int?
    public var eos: Int?
    /// Per-block widths when blocks differ (a structurally pruned model); nil when all are alike.
    public var layerShapes: [LlamaLayerShape]?

    public init(vocabularySize: Int, hiddenSize: Int, intermediateSize: Int, layerCount: Int, headCount: Int,
                keyValueHeadCount: Int, headSize: Int, ropeTheta: Double, rmsNormEpsilon: Float, contextLength: Int,
                tiedEmbeddings: Bool, bos: Int? = nil, eos: Int? = nil, layerShapes: [LlamaLayerShape]? = nil) {
        self.vocabularySize = vocabularySize; self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize
        self.layerCount = layerCount; self.headCount = headCount; self.keyValueHeadCount = keyValueHeadCount
        self.headSize = headSize; self.ropeTheta = ropeTheta; self.rmsNormEpsilon = rmsNormEpsilon
        self.contextLength = contextLength; self.tiedEmbeddings = tiedEmbeddings; self.bos = bos; self.eos = eos
        self.layerShapes = layerShapes
    }

    func validateLayerShapes() throws {
        guard let layerShapes else { return }
        guard layerShapes.count == layerCount else {
            throw LlamaError.invalidConfig("\(layerShapes.count) per-layer shapes for \(layerCount) blocks")
        }
        for (i, s) in layerShapes.enumerated() {
            guard s.keyValueHeadCount > 0, s.headCount > 0, s.headCount % s.keyValueHeadCount == 0,
                  s.intermediateSize > 0, s.headCount <= 1 << 24, s.intermediateSize <= 1 << 24 else {
                throw LlamaError.invalidConfig("block \(i): \(s) is not a valid shape")
            }
        }
    }

    /// Query heads served by one key/value head.
    public var groupSize: Int { headCount / max(keyValueHeadCount, 1) }

    /// Checks that the sizes fit together; names the first that does not.
    public func validate() throws {
        let positive = [("vocabulary size", vocabularySize), ("hidden size", hiddenSize),
                        ("intermediate size", intermediateSize), ("block count", layerCount), ("head count", headCount),
                        ("key/value head count", keyValueHeadCount), ("head size", headSize)]
        for (name, v) in positive where v <= 0 || v > 1 << 24 {
            throw LlamaError.invalidConfig("\(name) \(v) is not in 1…2^24")
        }
        guard headCount % keyValueHeadCount == 0 else {
            throw LlamaError.invalidConfig("\(headCount) query heads are not a multiple of \(keyValueHeadCount) key/value heads")
        }
        try validateLayerShapes()
        guard headSize % 2 == 0 else { throw LlamaError.invalidConfig("head size \(headSize) is odd (RoPE needs pairs)") }
        guard ropeTheta > 0, ropeTheta.isFinite, rmsNormEpsilon >= 0, rmsNormEpsilon.isFinite else {
            throw LlamaError.invalidConfig("rope base \(ropeTheta) or RMSNorm ε \(rmsNormEpsilon) is invalid")
        }
    }
}

/// Errors of the decoder model, each naming the problem.
public enum LlamaError: Error, CustomStringConvertible {
    case invalidConfig(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "Llama configuration: \(m)"
        case .invalidInput(let m): return m
        }
    }
}
