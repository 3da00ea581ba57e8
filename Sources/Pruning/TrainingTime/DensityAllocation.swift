import PruneTensor

/// How a network's density (the fraction of weights kept) is spread over its layers when a sparse
/// network is trained from scratch: every training-time method (dynamic sparse training, random
/// masks at initialization, lottery-ticket controls) takes one, and the names are the CLI's.
public protocol DensityAllocation: Sendable {
    /// The name the CLI and recipes use.
    var name: String { get }
    /// One density per weight shape (`[out, in]` or `[out, in, kh, kw]`), each in (0, 1], whose
    /// weight-count-weighted mean is `density`.
    func densities(_ shapes: [[Int]], density: Double) throws -> [Double]
    /// What the allocation needs measured on calibration data (nothing for shape-only ones).
    var needs: [any CalibrationNeed] { get }
    /// One density per target from the weights and calibration statistics; by default the shapes' densities.
    func densities(_ targets: [PruningTarget], density: Double, statistics: CalibrationStatistics) throws -> [Double]
}

extension DensityAllocation {
    public var needs: [any CalibrationNeed] { [] }
    public func densities(_ targets: [PruningTarget], density: Double,
                          statistics: CalibrationStatistics) throws -> [Double] {
        try densities(targets.map(\.shape), density: density)
    }
}

/// Every layer at the same density.
public struct UniformDensity: DensityAllocation {
    public let name = "uniform"
    public init() {}
    public func densities(_ shapes: [[Int]], density: Double) throws -> [Double] {
        try DensityAllocations.checkDensity(density)
        return shapes.map { _ in density }
    }
}

/// Erdős–Rényi (Mocanu et al. 2018, SET) and Erdős–Rényi-Kernel (Evci et al. 2020, RigL): a layer's
/// density ∝ (n_in + n_out)/(n_in·n_out), with the kernel sizes added to both sums for ERK, scaled by
/// one ε so the total density is the target; a layer whose density would pass 1 is kept dense and the
/// others are rescaled (RigL's reference code does the same).
public struct ErdosRenyiDensity: DensityAllocation {
    /// True for ERK (kernel height and width count), false for ER.
    public let includesKernel: Bool
    public var name: String { includesKernel ? "erk" : "er" }
    public init(includesKernel: Bool) { self.includesKernel = includesKernel }

    /// The unscaled density of one shape.
    func rawDensity(_ shape: [Int]) -> Double {
        let dims = includesKernel ? shape : Array(shape.prefix(2))
        let count = Double(dims.reduce(1, *))
        return Double(dims.reduce(0, +)) / max(count, 1)
    }

    public func densities(_ shapes: [[Int]], density: Double) throws -> [Double] {
        try DensityAllocations.checkDensity(density)
        let counts = shapes.map { Double($0.reduce(1, *)) }, raw = shapes.map(rawDensity)
        let budget = density * counts.reduce(0, +)
        var dense = Set<Int>()
        while true {
            let free = counts.indices.filter { !dense.contains($0) }
            let denseCount = dense.reduce(0.0) { $0 + counts[$1] }
            let weighted = free.reduce(0.0) { $0 + raw[$1] * counts[$1] }
            guard !free.isEmpty, weighted > 0 else { return counts.indices.map { _ in 1 } }
            let epsilon = (budget - denseCount) / weighted
            guard let worst = free.max(by: { raw[$0] < raw[$1] }), epsilon * raw[worst] > 1 else {
                return counts.indices.map { dense.contains($0) ? 1 : epsilon * raw[$0] }
            }
            dense.insert(worst)
        }
    }
}

/// The allocations by name.
public enum DensityAllocations {
    public static let all: [any DensityAllocation] = [UniformDensity(), ErdosRenyiDensity(includesKernel: false),
                                                      ErdosRenyiDensity(includesKernel: true),
                                                      OutlierWeightedDensity()]

    /// The allocation called `name`, or an error listing the known ones.
    public static func named(_ name: String) throws -> any DensityAllocation {
        try NamedChoice.find(name, in: all, kind: "density allocation") { $0.name }
    }

    static func checkDensity(_ density: Double) throws {
        guard density.isFinite, density > 0, density <= 1 else {
            throw PruningError.impossibleTarget("a density (fraction of weights kept) must be in (0, 1], got "
                                                + "\(density)")
        }
    }
}
