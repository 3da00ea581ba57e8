/// The normal equations of refitting one layer after some of its input channels were removed: with X′
/// the layer's kept-channel input patches in the pruned model and Y the dense model's outputs of its
/// kept rows at the same positions (no bias), `gram` = X′ᵀX′ (features × features), `cross` = X′ᵀY
/// (features × outputs) and `targetEnergy` = ΣY². `weight` is the current `[outputs × features]`
/// weight; each input channel owns `unit` consecutive features (kh·kw of a convolution).
public struct RefitProblem: Sendable {
    public let gram: [Double]
    public let cross: [Double]
    public let targetEnergy: Double
    public let weight: [Float]
    public let outputs: Int
    public let features: Int
    public let unit: Int

    public init(gram: [Double], cross: [Double], targetEnergy: Double, weight: [Float], outputs: Int,
                features: Int, unit: Int) {
        self.gram = gram; self.cross = cross; self.targetEnergy = targetEnergy; self.weight = weight
        self.outputs = outputs; self.features = features; self.unit = max(unit, 1)
    }

    /// ‖Y − X′·Wᵀ‖² / ‖Y‖² for a weight W: ΣY² − 2·tr(W·X′ᵀY) + tr(W·X′ᵀX′·Wᵀ), relative.
    public func relativeError(_ w: [Float]) -> Double {
        let f = features
        var cross = 0.0, quadratic = 0.0
        for o in 0..<outputs {
            let row = w[(o * f)..<(o * f + f)].map(Double.init)
            for i in 0..<f {
                cross += row[i] * self.cross[i * outputs + o]
                var gw = 0.0
                for j in 0..<f { gw += gram[i * f + j] * row[j] }
                quadratic += row[i] * gw
            }
        }
        return max(targetEnergy - 2 * cross + quadratic, 0) / max(targetEnergy, .leastNonzeroMagnitude)
    }
}

/// How a layer that lost input channels is refit to reproduce the dense model's output from what is
/// left, in closed form on calibration data (no training). A new refit is one new type.
public protocol ChannelReconstruction: Sendable {
    /// The name the CLI and recipes use (`--reconstruct NAME`).
    var name: String { get }
    /// The new `[outputs × features]` weight.
    func refit(_ problem: RefitProblem, layer: String) throws -> [Float]
}

/// The reconstructions by name.
public enum ChannelReconstructions {
    public static let all: [any ChannelReconstruction] = [LeastSquaresWeights(), ChannelScaling()]
    public static var names: [String] { all.map(\.name) }

    /// The reconstruction called `name`; an unknown name is one error listing the known ones.
    public static func named(_ name: String) throws -> any ChannelReconstruction {
        try NamedChoice.find(name, in: all, kind: "reconstruction", name: \.name)
    }
}
