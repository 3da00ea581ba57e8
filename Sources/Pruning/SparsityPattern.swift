/// The shape of what is pruned together (JaxPruner's "which shape" axis).
///
/// Weights are viewed as a matrix `[out, in·kh·kw]`; channel and block patterns prune whole groups of
/// that matrix, N:M prunes within every run of M consecutive weights along the input dimension.
public enum SparsityPattern: OptionValue {
    /// Individual weights (Han et al. 2015).
    case unstructured
    /// N kept out of every M consecutive weights along the input dimension (NVIDIA's 2:4; Mishra et
    /// al. 2021). For convolutions the run goes over input channels at a fixed kernel position.
    case nOfM(n: Int, m: Int)
    /// Rectangular blocks of the `[out, in·kh·kw]` matrix, `rows × columns`.
    case block(rows: Int, columns: Int)
    /// Whole output neurons / filters (rows of the matrix).
    case outputChannels
    /// Whole input channels (for a convolution, its kh·kw columns in every row).
    case inputChannels

    public var description: String {
        switch self {
        case .unstructured: return "unstructured"
        case .nOfM(let n, let m): return "\(n):\(m)"
        case .block(let r, let c): return "block \(r)x\(c)"
        case .outputChannels: return "output channels"
        case .inputChannels: return "input channels"
        }
    }

    /// Parses the CLI/recipe spelling: `unstructured`, `2:4`, `block4x1`, `channels` (or `filters`,
    /// `neurons`), `input-channels`.
    public static func parse(_ text: String) throws -> SparsityPattern {
        let t = text.lowercased()
        switch t {
        case "unstructured": return .unstructured
        case "channels", "filters", "neurons", "output-channels": return .outputChannels
        case "input-channels": return .inputChannels
        default: break
        }
        let nm = t.split(separator: ":")
        if nm.count == 2, let n = Int(nm[0]), let m = Int(nm[1]) {
            guard n >= 1, m > n else { throw PruningError.invalidOption("N:M needs 1 ≤ N < M, got \(text)") }
            return .nOfM(n: n, m: m)
        }
        if t.hasPrefix("block") {
            let dims = t.dropFirst(5).split(separator: "x")
            if dims.count == 2, let r = Int(dims[0]), let c = Int(dims[1]), r >= 1, c >= 1 { return .block(rows: r,
                    columns: c) }
        }
        throw PruningError.invalidOption("unknown granularity \(text); known: unstructured, N:M (e.g. 2:4), blockRxC (e.g. block4x1), channels, input-channels")
    }

    public init(parsing text: String) throws { self = try Self.parse(text) }
    public static let optionName = "granularity"
    public static var knownValues: [String] { ["unstructured", "N:M", "blockRxC", "channels", "input-channels"] }

    /// Whether the amount pruned is fixed by the pattern (N:M) rather than by a sparsity target.
    public var fixesSparsity: Bool { if case .nOfM = self { return true } else { return false } }
}

/// Errors of pruning: each names the layer or option at fault.
public enum PruningError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)
    case impossibleTarget(String)
    case incompatible(layer: String, reason: String)
    case missingStatistics(String)

    public var description: String {
        switch self {
        case .invalidOption(let m): return m
        case .impossibleTarget(let m): return "impossible target: \(m)"
        case .incompatible(let l, let r): return "\(l): \(r)"
        case .missingStatistics(let m): return m
        }
    }
}
