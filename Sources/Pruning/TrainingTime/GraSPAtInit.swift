import PruneNN
import PruneTensor

/// GraSP (Wang, Zhang & Grosse, "Picking Winning Tickets Before Training by Preserving Gradient
/// Flow", ICLR 2020): S(θ) = −θ ⊙ Hg, g the loss gradient and Hg a Hessian-gradient product, with the
/// logits divided by a temperature (200 in the authors' code); the weights with the largest S go, so
/// the score kept here is θ ⊙ Hg (higher = keep), one global threshold.
///
/// Hg is a central difference of gradients, (∇L(θ + εg) − ∇L(θ − εg)) / 2ε with ε = 10⁻³·T·‖θ‖/‖g‖ (a
/// step of the same size in logit space whatever the temperature T; the authors differentiate twice
/// with autograd, Prune's engine has first derivatives only).
/// The paper used 10 examples per class (one batch here unless more are given).
public struct GraSPAtInit: InitializationCriterion {
    public let name = "grasp"
    public let temperature: Float
    public init(temperature: Float = 200) { self.temperature = temperature }

    public func validate() throws {
        guard temperature.isFinite, temperature > 0 else {
            throw PruningError.invalidOption("GraSP's temperature must be a positive number, got \(temperature)")
        }
    }

    public func scores(_ model: any Module, targets: [PruningTarget], data: InitializationData) throws -> [[Float]] {
        let batches = Array(data.batches.prefix(1))
        let g = try BatchGradients.mean(model, targets: targets, batches: batches, temperature: temperature)
        let hg = try hessianTimes(g, model: model, targets: targets, batches: batches)
        return zip(targets, hg).map { t, h in zip(t.parameter.effectiveValue.scalars, h).map { $0 * $1 } }
    }

    /// H·v by a central difference of the loss gradients along v.
    func hessianTimes(_ v: [[Float]], model: any Module, targets: [PruningTarget],
                      batches: [(images: Tensor, labels: [Int])]) throws -> [[Float]] {
        let norm = { (x: [[Float]]) in x.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + Double($1 * $1) } }.squareRoot() }
        let vNorm = norm(v), thetaNorm = norm(targets.map(\.parameter.value.scalars))
        guard vNorm > 0 else { return v }
        let epsilon = Float(1e-3 * Double(max(temperature, 1)) * max(thetaNorm, 1) / vNorm)
        let saved = targets.map(\.parameter.value)
        defer { for (t, s) in zip(targets, saved) { t.parameter.value = s } }
        func gradient(at sign: Float) throws -> [[Float]] {
            for (i, t) in targets.enumerated() {
                var s = saved[i]
                s.scalars.withUnsafeMutableBufferPointer { p in
                    for j in 0..<p.count { p[j] += sign * epsilon * v[i][j] }
                }
                t.parameter.value = s
            }
            return try BatchGradients.mean(model, targets: targets, batches: batches, temperature: temperature)
        }
        let plus = try gradient(at: 1), minus = try gradient(at: -1)
        return zip(plus, minus).map { p, m in zip(p, m).map { ($0 - $1) / (2 * epsilon) } }
    }
}
