import Foundation
import PruneNN
import PruneTensor

/// The settings of a lottery-ticket search (Frankle & Carbin, "The Lottery Ticket Hypothesis", ICLR
/// 2019; Frankle, Dziugaite, Roy & Carbin, "Linear Mode Connectivity and the Lottery Ticket
/// Hypothesis", ICML 2020, for rewinding to iteration k). The papers prune 20% of the remaining weights
/// per round in fully connected layers (10% in convolutions), the output layer at half that rate,
/// layer-wise for small networks and globally for deep ones.
public struct LotteryTicketSettings: Sendable, Equatable {
    /// Prune-rewind-retrain rounds after the dense training.
    public var rounds: Int
    /// Fraction of each layer's remaining weights pruned per round.
    public var rate: Double
    /// The output layer's rate (nil: half of `rate`).
    public var outputRate: Double?
    /// Survivors are reset to their values after this many optimizer steps (0: the initialization).
    public var rewindStep: Int
    /// One magnitude threshold over all hidden layers instead of one per layer.
    public var global: Bool
    /// Train the random-reinitialization control (same mask, fresh weights) every round.
    public var reinitializationControl: Bool
    /// Train the random-mask control (same per-layer densities, random positions, rewound weights).
    public var randomMaskControl: Bool

    public init(rounds: Int, rate: Double = 0.2, outputRate: Double? = nil, rewindStep: Int = 0, global: Bool = false,
                reinitializationControl: Bool = false, randomMaskControl: Bool = false) throws {
        guard rounds >= 1 else { throw PruningError.invalidOption("a lottery-ticket search needs at least one round") }
        for r in [rate, outputRate ?? rate / 2] where !(r.isFinite && r > 0 && r < 1) {
            throw PruningError.invalidOption("the per-round pruning rate must be in (0, 1), got \(r)")
        }
        guard rewindStep >= 0 else { throw PruningError.invalidOption("the rewind step must be 0 or more") }
        self.rounds = rounds; self.rate = rate; self.outputRate = outputRate; self.rewindStep = rewindStep
        self.global = global; self.reinitializationControl = reinitializationControl
        self.randomMaskControl = randomMaskControl
    }

    /// The rate that reaches `density` after `rounds` rounds (hidden layers).
    public static func rate(reaching density: Double, in rounds: Int) -> Double {
        1 - pow(density, 1 / Double(max(rounds, 1)))
    }
}

/// Test accuracies of one round (round 0 is the dense network).
public struct LotteryRound: Sendable, Codable, Equatable {
    public let round: Int
    /// Fraction of the in-scope weights left.
    public let density: Double
    public let ticket: Double
    public let reinitialized: Double?
    public let randomMask: Double?
}

/// The winning ticket: the weights at the rewind point with the final masks, and the trained network.
public struct LotteryTicket {
    /// Every parameter's value at the rewind step (unmasked), by path.
    public let rewindState: [String: Tensor]
    /// The ticket's mask for each pruned weight, by path.
    public let masks: [String: Tensor]
    public let rewindStep: Int
    public let rounds: [LotteryRound]
    /// The network after the last round's training (masked): the sparse model to use.
    public let trained: any Module
}

/// Keeps a copy of every parameter after `step` optimizer steps (the rewind point); the copy is part of
/// a training checkpoint, so a dense training resumed past the rewind step still has it.
final class RewindSnapshot: TrainingHook, CheckpointedState {
    let model: any Module
    let step: Int
    private(set) var state: [String: Tensor]?

    init(model: any Module, step: Int) {
        self.model = model; self.step = step
        if step == 0 { state = Self.capture(model) }
    }

    func didStep(_ s: Int) throws { if s + 1 == step { state = Self.capture(model) } }

    func checkpointValues() -> CheckpointedValues {
        var values = CheckpointedValues()
        for (path, t) in state ?? [:] { values.tensors["rewind/" + path] = t }
        return values
    }

    func restore(_ values: CheckpointedValues, atStep step: Int) throws {
        guard step >= self.step else { return }
        var saved: [String: Tensor] = [:]
        for (path, p) in model.parameters() { saved[path] = try values.tensor("rewind/" + path, shape: p.shape) }
        state = saved
    }

    static func capture(_ model: any Module) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: model.parameters().map { ($0.path, $0.parameter.value) })
    }
}
