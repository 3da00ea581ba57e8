import PruneTensor

/// How important a structure is — a set S of input channels of a projection W (`[out, in]`): one
/// attention head (its channels of o_proj's input), a key/value group, or one SwiGLU unit (a column
/// of down_proj). Higher is more important. A new criterion is one new conforming type, registered
/// in ``StructureImportances``.
public protocol StructureImportance: Sendable {
    var name: String { get }
    /// The score of channel set `channels` of `weight` given its input statistics.
    func score(weight: Tensor, channels: [Int], statistics: ChannelStatistics) -> Double
    /// Whether the mean contribution of removed channels is folded into a bias (FLAP's compensation).
    var compensatesBias: Bool { get }
    /// The squared output error per token that removing the structure causes, from its score, when
    /// the score measures one (nil otherwise): what the relative-error ranking compares.
    func outputError(score: Double) -> Double?
}

extension StructureImportance {
    public func outputError(score: Double) -> Double? { nil }
}

/// The energy of a structure's contribution to the projection's output over the calibration
/// tokens, √(Σ_t ‖W_S·x_{t,S}‖² / N) = √(tr(W_S·G_SS·W_Sᵀ) / N). For one channel it is Wanda's
/// structured score ‖W_{:,j}‖·‖X_j‖/√N (Sun et al. 2024, applied per output column as LLM-Pruner-
/// style width pruning does); for a head it is the RMS norm of the head's output ‖ctx_h·W_O[:,h]ᵀ‖
/// (Michel et al. 2019's "output norm" proxy).
public struct OutputEnergyImportance: StructureImportance {
    public init() {}
    public var name: String { "output-norm" }
    public var compensatesBias: Bool { false }

    public func score(weight: Tensor, channels: [Int], statistics s: ChannelStatistics) -> Double {
        let w = weight.scalars, inputs = weight.shape[1], out = weight.shape[0], n = s.channels
        var total = 0.0
        for o in 0..<out {
            let row = o * inputs
            for a in channels {
                var inner = 0.0
                for b in channels { inner += Double(s.gram[a * n + b]) * Double(w[row + b]) }
                total += Double(w[row + a]) * inner
            }
        }
        return (max(total, 0) / Double(max(s.tokens, 1))).squareRoot()
    }

    /// Zeroing the structure changes the output by W_S·x_S: its energy is the score squared.
    public func outputError(score: Double) -> Double? { score * score }
}

/// FLAP's fluctuation metric (An et al., "Fluctuation-based Adaptive Structured Pruning for Large
/// Language Models", AAAI 2024): S = Σ_{c∈S} Var(x_c)·‖W_{:,c}‖², the variance of a channel's input
/// over the calibration tokens times the squared norm of the weights it feeds. A channel whose input
/// barely fluctuates is nearly a constant, so removing it and adding W_{:,c}·mean(x_c) to the bias
/// (the compensation, on by default) loses little.
public struct FluctuationImportance: StructureImportance {
    public var compensatesBias: Bool
    public init(compensatesBias: Bool = true) { self.compensatesBias = compensatesBias }
    public var name: String { compensatesBias ? "fluctuation" : "fluctuation-no-bias" }

    public func score(weight: Tensor, channels: [Int], statistics s: ChannelStatistics) -> Double {
        let w = weight.scalars, inputs = weight.shape[1], out = weight.shape[0]
        var total = 0.0
        for c in channels {
            var norm = 0.0
            for o in 0..<out { let v = Double(w[o * inputs + c]); norm += v * v }
            total += s.variance(c) * norm
        }
        return total
    }

    /// With the compensation the error is W_S·(x_S − x̄_S), whose energy (channel cross terms aside)
    /// is the score; without it the mean adds W_S·x̄_S, which this score does not see.
    public func outputError(score: Double) -> Double? { compensatesBias ? score : nil }
}

/// Minitron's activation-based importance (Muralidharan et al., "Compact Language Models via
/// Pruning and Knowledge Distillation", 2024): the input activations of the structure, L2 over
/// the positions of each calibration sequence, then the mean over sequences. For an MLP unit that
/// is its SwiGLU activation; for a head the head's attention output (context). Weights are not used.
public struct ActivationImportance: StructureImportance {
    public init() {}
    public var name: String { "activation" }
    public var compensatesBias: Bool { false }

    public func score(weight: Tensor, channels: [Int], statistics s: ChannelStatistics) -> Double {
        guard !s.rowSquares.isEmpty else { return 0 }
        let total = s.rowSquares.reduce(0.0) { sum, row in sum + channels.reduce(0.0) { $0 + row[$1] }.squareRoot() }
        return total / Double(s.rowSquares.count)
    }
}

/// The structured importance criteria by name.
public enum StructureImportances {
    public static let all: [any StructureImportance] = [
        OutputEnergyImportance(), FluctuationImportance(), FluctuationImportance(compensatesBias: false),
        ActivationImportance(),
    ]
    public static var names: [String] { all.map(\.name) }

    public static func named(_ name: String) throws -> any StructureImportance {
        guard let found = all.first(where: { $0.name == name.lowercased() }) else {
            throw OneShotError.invalid("unknown structured importance \(name); known: \(names.joined(separator: ", "))")
        }
        return found
    }
}
