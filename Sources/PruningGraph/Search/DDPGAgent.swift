import PruneTensor
import PruneAutodiff
import PruneNN

/// Deep deterministic policy gradient (Lillicrap et al., "Continuous control with deep reinforcement
/// learning", ICLR 2016) with AMC's settings (He et al. 2018, §3.3 and its appendix): actor and critic of
/// two hidden layers of 300 units, the actor's output a sigmoid in [0, 1], the last layers initialized in
/// ±3·10⁻³, Adam at 10⁻⁴ (actor) and 10⁻³ (critic), soft target updates with τ = 0.01, minibatches of 64
/// from a replay buffer. The critic regresses y = R − b + γ·Q′(s′, μ′(s′)) (γ = 1, no bootstrap after the
/// last step), where R is the episode's reward given to each of its transitions and b the baseline.
final class DDPGAgent {
    struct Transition {
        var state: [Float]
        var action: Float
        var reward: Float
        /// The next state, nil for the episode's last step.
        var next: [Float]?
    }

    let stateSize: Int
    let actor: Sequential, critic: Sequential
    let actorTarget: Sequential, criticTarget: Sequential
    let actorOptimizer: Adam, criticOptimizer: Adam
    var tau: Float = 0.01
    var batchSize = 64
    var capacity = 2000
    private(set) var buffer: [Transition] = []
    private var oldest = 0

    init(stateSize: Int, hidden: Int = 300, rng: inout RandomGenerator) throws {
        self.stateSize = stateSize
        actor = Self.network(stateSize, hidden, output: Sigmoid(), rng: &rng)
        critic = Self.network(stateSize + 1, hidden, output: nil, rng: &rng)
        actorTarget = Self.network(stateSize, hidden, output: Sigmoid(), rng: &rng)
        criticTarget = Self.network(stateSize + 1, hidden, output: nil, rng: &rng)
        actorOptimizer = Adam(actor.parameters().map(\.parameter), learningRate: 1e-4)
        criticOptimizer = Adam(critic.parameters().map(\.parameter), learningRate: 1e-3)
        try Self.blend(actorTarget, toward: actor, by: 1)
        try Self.blend(criticTarget, toward: critic, by: 1)
    }

    /// The actor's action for one state.
    func act(_ state: [Float]) throws -> Float {
        try withNoGrad { try actor(Variable(Tensor(shape: [1, stateSize], scalars: state))).value.scalars[0] }
    }

    func remember(_ t: Transition) {
        if buffer.count < capacity { buffer.append(t) } else { buffer[oldest] = t; oldest = (oldest + 1) % capacity }
    }

    /// One critic and one actor step on a minibatch drawn with `rng`; `baseline` is subtracted from rewards.
    func update(baseline: Float, rng: inout RandomGenerator) throws {
        guard !buffer.isEmpty else { return }
        try update(on: (0..<batchSize).map { _ in buffer[rng.nextInt(below: buffer.count)] }, baseline: baseline)
    }

    /// The critic's step on `batch` (targets from the target networks before it), then the actor's step
    /// along the updated critic's gradient, then the soft target updates.
    func update(on batch: [Transition], baseline: Float) throws {
        let states = try Tensor(shape: [batch.count, stateSize], scalars: batch.flatMap(\.state))
        let actions = try Tensor(shape: [batch.count, 1], scalars: batch.map(\.action))
        let targets = try criticTargets(batch, baseline: baseline)
        criticOptimizer.zeroGrad()
        let q = try critic(Variable.concat([Variable(states), Variable(actions)], axis: 1))
        try Loss.meanSquaredError(q, Variable(targets)).backward()
        criticOptimizer.step()
        actorOptimizer.zeroGrad()
        let chosen = try actor(Variable(states))
        let value = try critic(Variable.concat([Variable(states), chosen], axis: 1))
        try (try value.mean() * -1).backward()
        actorOptimizer.step()
        criticOptimizer.zeroGrad()
        try Self.blend(actorTarget, toward: actor, by: tau)
        try Self.blend(criticTarget, toward: critic, by: tau)
    }

    private func criticTargets(_ batch: [Transition], baseline: Float) throws -> Tensor {
        let zero = [Float](repeating: 0, count: stateSize)
        let next = try Tensor(shape: [batch.count, stateSize], scalars: batch.flatMap { $0.next ?? zero })
        let bootstrap = try withNoGrad {
            let a = try actorTarget(Variable(next))
            return try criticTarget(Variable.concat([Variable(next), a], axis: 1)).value.scalars
        }
        let y = batch.indices.map { i in batch[i].reward - baseline + (batch[i].next == nil ? 0 : bootstrap[i]) }
        return try Tensor(shape: [batch.count, 1], scalars: y)
    }

    private static func network(_ inputs: Int, _ hidden: Int, output: (any Module)?,
                                rng: inout RandomGenerator) -> Sequential {
        let last = Linear(hidden, 1, rng: &rng)
        last.weight.value = .uniform([1, hidden], low: -3e-3, high: 3e-3, using: &rng)
        let layers: [any Module] = [Linear(inputs, hidden, rng: &rng), ReLU(), Linear(hidden, hidden, rng: &rng),
                                    ReLU(), last]
        return Sequential(layers + (output.map { [$0] } ?? []))
    }

    /// target ← τ·source + (1 − τ)·target, parameter by parameter.
    private static func blend(_ target: Sequential, toward source: Sequential, by tau: Float) throws {
        for (t, s) in zip(target.parameters(), source.parameters()) {
            t.parameter.value = tau == 1 ? s.parameter.value
                : try s.parameter.value * tau + t.parameter.value * (1 - tau)
        }
    }
}
