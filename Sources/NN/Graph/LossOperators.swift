import PruneAutodiff
import PruneTensor

/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (which first takes the log-softmax over
/// axis 1) with class weights, `ignore_index` and mean/sum/none reduction, as ONNX defines them:
/// loss = −Σ w[t]·input[n, t, …] over the non-ignored targets t, divided by Σ w[t] for "mean".
/// Differentiable in the scores.
public struct ClassificationLossOperator: GraphOperator {
    public enum Reduction: String, Sendable { case none, sum, mean }
    public let softmaxFirst: Bool
    public let reduction: Reduction
    public let ignoreIndex: Int?
    public init(softmaxFirst: Bool, reduction: Reduction, ignoreIndex: Int?) {
        self.softmaxFirst = softmaxFirst; self.reduction = reduction; self.ignoreIndex = ignoreIndex
    }
    public var channelFlow: ChannelFlow { .fixes }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let scores = try input(inputs, 0, "input").variable("input")
        let targets = try input(inputs, 1, "target").integers("target")
        let shape = scores.shape
        guard shape.count >= 2, targets.shape == [shape[0]] + Array(shape[2...]) else {
            throw GraphError.invalidValue("loss: scores \(shape) and targets \(targets.shape) do not fit")
        }
        let logProbabilities = softmaxFirst ? try scores.logSoftmax(axis: 1) : scores
        let weights = try inputs.count > 2 ? inputs[2].map { try $0.variable("weight").value.scalars } : nil
        let c = shape[1], inner = shape[2...].reduce(1, *)
        if let weights, weights.count != c {
            throw GraphError.invalidValue("loss: \(weights.count) class weights for \(c) classes")
        }
        var sources: [Int] = [], factors: [Float] = []
        for (k, t) in targets.values.enumerated() {
            let (n, d) = (k / Swift.max(inner, 1), k % Swift.max(inner, 1))
            if t == ignoreIndex { sources.append(-1); factors.append(0); continue }
            guard t >= 0, t < c else { throw GraphError.invalidValue("target \(t) is outside 0..<\(c)") }
            sources.append((n * c + t) * inner + d)
            factors.append(weights.map { $0[t] } ?? 1)
        }
        let picked = try logProbabilities.gathered(sources, shape: targets.shape)
        let losses = try picked * Variable(Tensor(unchecked: targets.shape, factors.map { -$0 }))
        let loss: Variable
        switch reduction {
        case .none: loss = losses
        case .sum: loss = try losses.sum()
        case .mean: loss = try losses.sum() / factors.reduce(0, +)
        }
        return softmaxFirst ? [.float(loss), .float(logProbabilities)] : [.float(loss)]
    }
}
