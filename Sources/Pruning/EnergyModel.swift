/// An estimate of the energy of one inference from the counts a ``PruningReport`` measures, after the
/// model of Yang, Chen and Sze ("Designing Energy-Efficient Convolutional Neural Networks using
/// Energy-aware Pruning", CVPR 2017): energy is computation plus data movement, and moving a value from
/// DRAM costs far more than a multiply-accumulate. The per-access costs are Eyeriss's, normalized to one
/// MAC (Chen et al., ISCA 2016): register file 1, global buffer 6, DRAM 200.
///
/// It is an estimate, not a measurement, and simpler than the paper's dataflow-level model: every non-zero
/// MAC costs the MAC and three register-file accesses (weight, input, partial sum); every non-zero weight
/// and every input and output activation of a layer moves once from DRAM through the global buffer; zero
/// weights cost nothing (no index overhead is counted). Units: MAC-equivalents.
public struct EnergyModel: Sendable, Codable, Equatable {
    public var mac = 1.0
    public var registerFile = 1.0
    public var globalBuffer = 6.0
    public var dram = 200.0

    /// Eyeriss's normalized costs.
    public static let eyeriss = EnergyModel()

    public init() {}

    /// The estimate for these layers; `countingZeros` treats every weight as non-zero (the dense model of
    /// the same shapes).
    public func estimate(_ layers: [LayerReport], countingZeros: Bool = false) -> EnergyEstimate {
        var e = EnergyEstimate()
        for l in layers {
            e.add(self, macs: Double(countingZeros ? l.macs : l.nonzeroMACs),
                  weights: Double(countingZeros ? l.parameters : l.nonzeros),
                  activations: Double((l.inputElements ?? 0) + (l.outputElements ?? 0)))
        }
        return e
    }
}

/// Energy of one inference by ``EnergyModel``, split by where it goes (MAC-equivalents).
public struct EnergyEstimate: Sendable, Codable, Equatable {
    public var computation = 0.0
    public var weights = 0.0
    public var activations = 0.0
    public var total: Double { computation + weights + activations }
    public init() {}

    /// Adds one layer: each MAC with its three register-file accesses, each weight and activation moved
    /// once from DRAM through the global buffer.
    public mutating func add(_ model: EnergyModel, macs: Double, weights: Double, activations: Double) {
        computation += macs * (model.mac + 3 * model.registerFile)
        self.weights += weights * (model.dram + model.globalBuffer)
        self.activations += activations * (model.dram + model.globalBuffer)
    }
}
