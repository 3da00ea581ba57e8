import Foundation

/// When a dynamic sparse training method changes its masks and by how much: every `interval` steps
/// (ΔT) before `endStep` (T_end), the fraction f_t = (α/2)(1 + cos(π t / T_end)) of each layer's active
/// weights (RigL, Evci et al. 2020; α = 0.3, ΔT = 100, T_end = 75% of training in the paper), or the
/// constant α (SET's ζ, Mocanu et al. 2018).
public struct MaskUpdateSchedule: Sendable, Equatable {
    public var interval: Int
    public var endStep: Int
    public var fraction: Double
    public var cosineDecay: Bool

    public init(interval: Int = 100, endStep: Int, fraction: Double = 0.3, cosineDecay: Bool = true) throws {
        guard interval > 0 else { throw PruningError.invalidOption("the mask update interval must be positive") }
        guard endStep > 0 else {
            throw PruningError.invalidOption("the mask updates must end after step 0 (got end step \(endStep))")
        }
        guard fraction.isFinite, fraction > 0, fraction <= 1 else {
            throw PruningError.invalidOption("the mask update fraction must be in (0, 1], got \(fraction)")
        }
        self.interval = interval; self.endStep = endStep; self.fraction = fraction; self.cosineDecay = cosineDecay
    }

    /// Whether the masks change after step `t`.
    public func isUpdate(_ t: Int) -> Bool { t > 0 && t < endStep && t % interval == 0 }

    /// The fraction of active weights replaced at step `t`.
    public func updateFraction(at t: Int) -> Double {
        cosineDecay ? fraction / 2 * (1 + cos(Double.pi * Double(t) / Double(endStep))) : fraction
    }
}
