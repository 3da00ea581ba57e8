import PruneTensor

/// Adam (Kingma & Ba, ICLR 2015) with bias correction. `decoupled` gives AdamW (Loshchilov & Hutter,
/// "Decoupled Weight Decay Regularization", ICLR 2019): weight decay shrinks the weights directly
/// instead of being added to the gradient.
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    public let decoupled: Bool
    private var m: [Tensor?]
    private var v: [Tensor?]
    private var t = 0

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false) {
        self.parameters = parameters.filter(\.requiresGrad)
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        m = Array(repeating: nil, count: self.parameters.count)
        v = Array(repeating: nil, count: self.parameters.count)
    }

    /// AdamW: Adam with decoupled weight decay (default 0.01, as in PyTorch).
    public static func adamW(_ parameters: [Parameter], learningRate: Float = 1e-3, weightDecay: Float = 0.01) -> Adam {
        Adam(parameters, learningRate: learningRate, weightDecay: weightDecay, decoupled: true)
    }

    public func stateTensors() -> [String: Tensor] {
        var state = ["t": Tensor([Float(t)])]
        OptimizerBuffers.export(m, prefix: "m", into: &state)
        OptimizerBuffers.export(v, prefix: "v", into: &state)
        return state
    }

    public func loadState(_ state: [String: Tensor]) throws {
        guard let steps = state["t"]?.scalars.first, steps >= 0, steps == steps.rounded() else {
            throw TensorError.invalidArgument(op: "Adam state", reason: "the step count is missing or not an integer")
        }
        m = try OptimizerBuffers.load(state, prefix: "m", parameters: parameters)
        v = try OptimizerBuffers.load(state, prefix: "v", parameters: parameters)
        t = Int(steps)
    }

    public func step() {
        t += 1
        let c1 = 1 - Foundation_pow(beta1, Float(t)), c2 = 1 - Foundation_pow(beta2, Float(t))
        let b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            let lr = learningRate * p.learningRateScale
            var mi = m[i] ?? Tensor.zeros(g.shape), vi = v[i] ?? Tensor.zeros(g.shape)
            let decoupled = self.decoupled
            p.value.scalars.withUnsafeMutableBufferPointer { w in
                g.scalars.withUnsafeBufferPointer { gp in
                    mi.scalars.withUnsafeMutableBufferPointer { mp in
                        vi.scalars.withUnsafeMutableBufferPointer { vp in
                            for j in 0..<w.count {
                                var gj = gp[j]
                                if wd != 0 {
                                    if decoupled { w[j] -= lr * wd * w[j] } else { gj += wd * w[j] }
                                }
                                mp[j] = b1 * mp[j] + (1 - b1) * gj
                                vp[j] = b2 * vp[j] + (1 - b2) * gj * gj
                                w[j] -= lr * (mp[j] / c1) / ((vp[j] / c2).squareRoot() + eps)
                            }
                        }
                    }
                }
            }
            applyMask(p, &mi); applyMask(p, &vi); applyMask(p, &p.value)
            m[i] = mi; v[i] = vi
        }
    }
}
