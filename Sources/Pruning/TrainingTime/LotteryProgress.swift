import PruneNN
import PruneTensor

/// A lottery-ticket search after a finished round: the rounds measured, every parameter's trained value
/// (raw, unmasked), the masks so far and the rewind state. What ``LotteryTicketSearch/run`` needs to
/// continue with the next round exactly as an uninterrupted run would.
public struct LotteryProgress {
    public let rounds: [LotteryRound]
    public let weights: [String: Tensor]
    public let masks: [String: Tensor]
    public let rewind: [String: Tensor]

    public init(rounds: [LotteryRound], weights: [String: Tensor], masks: [String: Tensor],
                rewind: [String: Tensor]) {
        self.rounds = rounds; self.weights = weights; self.masks = masks; self.rewind = rewind
    }

    init(rounds: [LotteryRound], model: any Module, targets: [PruningTarget], rewind: [String: Tensor]) {
        var masks: [String: Tensor] = [:]
        for t in targets { if let m = t.parameter.mask { masks[t.path] = m } }
        let weights = Dictionary(uniqueKeysWithValues: model.parameters().map { ($0.0, $0.1.value) })
        self.init(rounds: rounds, weights: weights, masks: masks, rewind: rewind)
    }

    /// Puts the weights and masks back into a freshly made model; the rounds and the rewind state.
    func restore(into model: any Module, targets: [PruningTarget]) throws -> ([LotteryRound], [String: Tensor]) {
        for (path, p) in model.parameters() {
            guard let v = weights[path], v.shape == p.value.shape else {
                throw PruningError.invalidOption("the saved lottery state has no \(path) of shape \(p.value.shape)")
            }
            p.value = v
        }
        for t in targets { t.parameter.mask = masks[t.path] }
        guard !rounds.isEmpty else { throw PruningError.invalidOption("the saved lottery state has no rounds") }
        return (rounds, rewind)
    }
}
