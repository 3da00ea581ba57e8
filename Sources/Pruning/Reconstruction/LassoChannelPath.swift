import Foundation

/// LASSO channel selection (He, Zhang & Sun, "Channel Pruning for Accelerating Very Deep Neural
/// Networks", ICCV 2017, eq. 3 with W fixed): β = argmin ½βᵀGβ − bᵀβ + λ‖β‖₁ with G the channel Gram of
/// the consumers' outputs and b = G·1 — the same as (1/2N)‖Y − Σ_c β_c Z_c‖² + λ‖β‖₁ with Y the outputs
/// the channels produce (scikit-learn's `Lasso` objective). Solved by cyclic coordinate descent on a
/// geometric grid of λ from λ_max = max|b| (every β zero) down to `floor`·λ_max, warm-started. The paper
/// raises λ until only c′ channels keep β ≠ 0; this ranks the channels by the grid step at which β_c
/// first becomes non-zero (then by |β_c| there), which is that choice for every c′ when the path is
/// monotone. Channels that never enter rank last.
public struct LassoChannelPath: Sendable {
    public var steps: Int
    public var floor: Double
    public var tolerance: Double
    public var maxSweeps: Int

    public init(steps: Int = 200, floor: Double = 1e-4, tolerance: Double = 1e-12, maxSweeps: Int = 10_000) {
        self.steps = steps; self.floor = floor; self.tolerance = tolerance; self.maxSweeps = maxSweeps
    }

    /// λ of each grid step.
    public func grid(b: [Double]) -> [Double] {
        let top = b.map(abs).max() ?? 0
        return (0..<steps).map { k in top * pow(floor, Double(k) / Double(max(steps - 1, 1))) }
    }

    /// Per channel, the first grid step with β_c ≠ 0 (nil: never) and β_c at that step.
    public func entries(gram g: [Double], channels c: Int) -> [(step: Int, beta: Double)?] {
        let b = (0..<c).map { i in (0..<c).reduce(0.0) { $0 + g[i * c + $1] } }
        var beta = [Double](repeating: 0, count: c)
        var entered = [(step: Int, beta: Double)?](repeating: nil, count: c)
        var waiting = (0..<c).filter { g[$0 * c + $0] > 0 }.count
        for (k, lambda) in grid(b: b).enumerated() where waiting > 0 {
            descend(&beta, gram: g, b: b, channels: c, lambda: lambda)
            for i in 0..<c where entered[i] == nil && beta[i] != 0 {
                entered[i] = (k, beta[i])
                waiting -= 1
            }
        }
        return entered
    }

    /// Every channel, least important first: reverse order of entry into the path.
    public func removalOrder(gram g: [Double], channels c: Int) -> [Int] {
        let e = entries(gram: g, channels: c)
        func key(_ i: Int) -> (Int, Double) { e[i].map { ($0.step, -abs($0.beta)) } ?? (Int.max, -g[i * c + i]) }
        let important = (0..<c).sorted { key($0) < key($1) || (key($0) == key($1) && $0 < $1) }
        return important.reversed()
    }

    /// Coordinate descent to convergence at one λ.
    func descend(_ beta: inout [Double], gram g: [Double], b: [Double], channels c: Int, lambda: Double) {
        for _ in 0..<maxSweeps {
            var change = 0.0, size = 0.0
            for i in 0..<c where g[i * c + i] > 0 {
                var r = b[i]
                for j in 0..<c where j != i { r -= g[i * c + j] * beta[j] }
                let next = (r > lambda ? r - lambda : r < -lambda ? r + lambda : 0) / g[i * c + i]
                change = max(change, abs(next - beta[i]) * g[i * c + i].squareRoot())
                size = max(size, abs(next) * g[i * c + i].squareRoot())
                beta[i] = next
            }
            if change <= tolerance * max(size, 1e-300) { return }
        }
    }
}
