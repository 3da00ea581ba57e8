/// Which training of a lottery-ticket search is running: its round and whose network it trains. A
/// search's trainings are named by it, so each can keep its own mid-training checkpoint.
public struct LotteryTraining: Sendable, Equatable {
    /// The network a training trains in a round.
    public enum Network: String, Sendable {
        /// The ticket itself (round 0: the dense network).
        case ticket
        /// The random-reinitialization control.
        case reinitialized
        /// The random-mask control.
        case randomMask = "random-mask"
    }

    public let round: Int
    public let network: Network

    public init(round: Int, network: Network) { self.round = round; self.network = network }

    /// `round-K-ticket`, `round-K-reinitialized`, `round-K-random-mask`.
    public var name: String { "round-\(round)-\(network.rawValue)" }

    /// Every training of round `round`.
    public static func all(inRound round: Int) -> [LotteryTraining] {
        [.ticket, .reinitialized, .randomMask].map { LotteryTraining(round: round, network: $0) }
    }
}
