import PruneTensor
import PruneAutodiff

/// Batch normalization over the channel axis 1 of `[N, C]` (BatchNorm1d) or `[N, C, H, W]`
/// (BatchNorm2d). Training uses batch statistics and updates the running ones with `momentum`
/// (the unbiased variance, as PyTorch does); evaluation uses the running statistics.
/// Ioffe & Szegedy, "Batch Normalization", ICML 2015.
public final class BatchNorm: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Buffer
    public let runningVar: Buffer
    public var momentum: Float
    public var epsilon: Float
    public var isTraining = true

    public init(_ channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        weight = Parameter(.ones([channels]))
        bias = Parameter(.zeros([channels]))
        runningMean = Buffer(.zeros([channels]))
        runningVar = Buffer(.ones([channels]))
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public var channels: Int { weight.shape[0] }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
    public var ownBuffers: [(name: String, buffer: Buffer)] { [("running_mean", runningMean), ("running_var",
            runningVar)] }

    public func forward(_ x: Variable) throws -> Variable {
        guard x.value.rank >= 2, x.shape[1] == channels else {
            throw TensorError.shapeMismatch(op: "BatchNorm", shapes: [x.shape, [channels]],
                                            reason: "input must be [N, \(channels), …] (e.g. [N, \(channels), H, W])")
        }
        let statShape = [1, channels] + [Int](repeating: 1, count: x.value.rank - 2)
        let gamma = try weight.variable().reshaped(statShape)
        let beta = try bias.variable().reshaped(statShape)
        if isTraining {
            let (out, mean, variance) = try Variable.batchNorm(x, weight: gamma, bias: beta, epsilon: epsilon)
            let n = Float(x.value.count / channels)
            withNoGrad {
                let m = try! mean.reshaped([channels])
                let v = try! variance.reshaped([channels]) * (n / Swift.max(n - 1, 1))
                runningMean.value = try! runningMean.value * (1 - momentum) + m * momentum
                runningVar.value = try! runningVar.value * (1 - momentum) + v * momentum
            }
            return out
        }
        if !x.requiresGrad && !gamma.requiresGrad && !beta.requiresGrad { return Variable(try folded(x.value)) }
        let mean = Variable(try runningMean.value.reshaped(statShape))
        let invStd = Variable(try (runningVar.value + epsilon).sqrt().reshaped(statShape))
        return try (x - mean) / invStd * gamma + beta
    }

    /// Inference without gradients: the statistics folded into one scale and shift per channel,
    /// γ/√(σ² + ε) and β − μ·γ/√(σ² + ε), applied in one pass.
    func folded(_ x: Tensor) throws -> Tensor {
        guard let (scale, shift) = foldedScaleAndShift else {
            let shapes = [weight.shape, bias.shape, runningMean.value.shape, runningVar.value.shape]
            throw TensorError.shapeMismatch(op: "BatchNorm", shapes: shapes,
                                            reason: "weight, bias and running statistics need one value per channel")
        }
        return try Tensor.channelAffine(x, scale: scale, shift: shift)
    }

    /// γ/√(σ² + ε) and β − μ·γ/√(σ² + ε) per channel; nil when the vectors' lengths disagree.
    var foldedScaleAndShift: (scale: [Float], shift: [Float])? {
        let gamma = weight.effectiveValue.scalars, beta = bias.effectiveValue.scalars
        let mean = runningMean.value.scalars, variance = runningVar.value.scalars
        guard [gamma.count, beta.count, mean.count, variance.count].allSatisfy({ $0 == channels }) else { return nil }
        let scale = (0..<channels).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        let shift = (0..<channels).map { beta[$0] - mean[$0] * scale[$0] }
        return (scale, shift)
    }

    public var summary: String { "BatchNorm(\(channels))" }
}

extension Variable {
    /// Batch normalization with batch statistics over every axis but 1 (weight and bias shaped to
    /// broadcast over axis 1, one value per channel). Returns the output and the batch mean and (biased)
    /// variance, shaped like the weight. Forward and backward are fused per-channel passes
    /// (``Tensor/batchNormTraining(_:gamma:beta:epsilon:)``).
    public static func batchNorm(_ x: Variable, weight: Variable, bias: Variable, epsilon: Float) throws
        -> (output: Variable, mean: Tensor, variance: Tensor) {
        let gamma = weight.value.scalars, xv = x.value, needX = x.requiresGrad
        let (out, stats) = try Tensor.batchNormTraining(xv, gamma: gamma, beta: bias.value.scalars,
                                                        epsilon: epsilon)
        let wShape = weight.shape, bShape = bias.shape
        let output = record(out, [x, weight, bias]) { g in
            let r = Tensor.batchNormTrainingBackward(gradOutput: g, input: xv, gamma: gamma, statistics: stats,
                                                     needInput: needX)
            return [r.input, Tensor(unchecked: wShape, r.gamma), Tensor(unchecked: bShape, r.beta)]
        }
        return (output, Tensor(unchecked: wShape, stats.mean), Tensor(unchecked: wShape, stats.variance))
    }
}
