import PruneTensor

/// AMC, the reinforcement-learning search of per-layer ratios (He et al., "AMC: AutoML for Model
/// Compression and Acceleration on Mobile Devices", ECCV 2018), on dependency groups: each episode a
/// ``DDPGAgent`` chooses the groups' removal ratios one after another from ``AMCEnvironment``'s state,
/// clamped so the MACs budget is met (the paper's resource-constrained compression), and the pruned
/// candidate's score is the reward of every step of the episode (the paper's R_err = −error up to a
/// constant, which the baseline removes). The first `warmup` episodes act uniformly at random (the paper:
/// 100 of 400); later ones add truncated-normal noise to the actor's action, σ = 0.5 decayed by 0.95 per
/// episode, and train the agent one minibatch per step. The baseline is an exponential moving average
/// of the rewards (α = 0.5). The best candidate of all episodes is the outcome; a candidate's
/// `generation` is its episode. Seeded: the same seed and scores give the same candidates.
public struct AMCRatioSearch: RatioSearch {
    public var name: String { "amc" }
    public let episodes: Int
    public var warmup: Int
    public var noise: Float = 0.5
    public var noiseDecay: Float = 0.95
    /// Minibatch updates after each exploring episode: one per step (the paper), at least this many.
    public var minimumUpdates = 20

    public init(episodes: Int, warmup: Int? = nil) {
        self.episodes = episodes
        self.warmup = warmup ?? max(1, episodes / 4)
    }

    public func budget(for space: RatioSearchSpace) -> Int { episodes }

    public func run(_ space: RatioSearchSpace, seed: UInt64, score: ([Double]) throws -> Double,
                    progress: (RatioCandidate, Int) -> Void) throws -> RatioSearchOutcome {
        let environment = try AMCEnvironment(space: space)
        var rng = RandomGenerator(seed: seed)
        let agent = try DDPGAgent(stateSize: AMCEnvironment.stateSize, rng: &rng)
        var scored = ScoredCandidates(space: space)
        var baseline: Double?
        var sigma = noise
        for episode in 0..<episodes {
            let explore = episode >= warmup
            let (ratios, states, actions) = try play(environment, agent: agent, sigma: explore ? sigma : nil, rng: &rng)
            let candidate = try scored.evaluate(ratios, generation: episode, score: score)
            progress(candidate, episode + 1)
            let average = baseline.map { $0 + 0.5 * (candidate.score - $0) } ?? candidate.score
            baseline = average
            for t in states.indices {
                agent.remember(.init(state: states[t], action: actions[t], reward: Float(candidate.score),
                                     next: t + 1 < states.count ? states[t + 1] : nil))
            }
            guard explore else { continue }
            for _ in 0..<max(states.count, minimumUpdates) { try agent.update(baseline: Float(average), rng: &rng) }
            sigma *= noiseDecay
        }
        return try scored.outcome()
    }

    /// One episode: a ratio per group (clamped to the budget), the states and the actions in [0, 1] taken.
    /// `sigma` nil: uniformly random actions (warm-up).
    func play(_ environment: AMCEnvironment, agent: DDPGAgent, sigma: Float?,
              rng: inout RandomGenerator) throws -> ([Double], [[Float]], [Float]) {
        let maxRatio = environment.space.maxRatio
        var ratios: [Double] = [], states: [[Float]] = [], actions: [Float] = []
        for step in 0..<environment.steps {
            let state = environment.state(step: step, chosen: ratios)
            let wanted = try sigma.map { Self.truncatedNormal(mean: try agent.act(state), sigma: $0, rng: &rng) }
                ?? rng.nextUniform()
            let ratio = max(Double(wanted) * maxRatio, environment.minimumRatio(step: step, chosen: ratios))
            ratios.append(ratio); states.append(state); actions.append(Float(ratio / maxRatio))
        }
        return (ratios, states, actions)
    }

    /// A draw of N(mean, σ²) truncated to [0, 1] (by rejection; the mean clamped after 100 rejections).
    static func truncatedNormal(mean: Float, sigma: Float, rng: inout RandomGenerator) -> Float {
        for _ in 0..<100 {
            let x = mean + sigma * rng.nextNormal()
            if x >= 0, x <= 1 { return x }
        }
        return min(max(mean, 0), 1)
    }
}
