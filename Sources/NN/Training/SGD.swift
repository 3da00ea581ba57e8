import PruneTensor

/// Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay, in PyTorch's
/// formulation: v ← μ·v + (g + λ·w); w ← w − lr·(Nesterov ? g + λw + μ·v : v).
/// Sutskever et al., "On the importance of initialization and momentum in deep learning", 2013.
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    private var velocity: [Tensor?]

    public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0, nesterov: Bool = false,
                weightDecay: Float = 0) {
        self.parameters = parameters.filter(\.requiresGrad)
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        velocity = Array(repeating: nil, count: self.parameters.count)
    }

    public func stateTensors() -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        OptimizerBuffers.export(velocity, prefix: "velocity", into: &state)
        return state
    }

    public func loadState(_ state: [String: Tensor]) throws {
        velocity = try OptimizerBuffers.load(state, prefix: "velocity", parameters: parameters)
    }

    public func step() {
        for (i, p) in parameters.enumerated() {
            guard var g = p.grad else { continue }
            if weightDecay != 0 { g.addScaled(p.value, weightDecay) }
            var update = g
            if momentum != 0 {
                var v = velocity[i] ?? g
                if velocity[i] != nil {
                    velocity[i] = nil   // v is then the buffer's only owner: updated in place, not copied
                    v.scalars.withUnsafeMutableBufferPointer { vp in
                        g.scalars.withUnsafeBufferPointer { gp in for j in 0..<vp.count { vp[j] = momentum * vp[j] + gp[j] } }
                    }
                }
                applyMask(p, &v)
                velocity[i] = v
                if nesterov { update.addScaled(v, momentum) } else { update = v }
            }
            p.value.addScaled(update, -learningRate * p.learningRateScale)
            applyMask(p, &p.value)
        }
    }
}
