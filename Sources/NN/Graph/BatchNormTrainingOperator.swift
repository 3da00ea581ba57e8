import PruneAutodiff
import PruneTensor

/// ONNX BatchNormalization with `training_mode` 1 (opsets 14+): the batch's own mean and (population)
/// variance over every axis but the channels normalize X; the outputs are Y and the running
/// statistics moved toward them, `running = input · momentum + batch · (1 − momentum)`. Y is
/// differentiable through the batch statistics, as in training.
public struct BatchNormTrainingOperator: GraphOperator {
    public let epsilon: Float, momentum: Float

    public init(epsilon: Float, momentum: Float) { self.epsilon = epsilon; self.momentum = momentum }

    public var channelFlow: ChannelFlow { .fixes }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "X").variable("X")
        let names = ["scale", "B", "input_mean", "input_var"]
        let parts = try (1...4).map { try input(inputs, $0, names[$0 - 1]).variable(names[$0 - 1]) }
        guard x.shape.count >= 2, parts.allSatisfy({ $0.shape.reduce(1, *) == x.shape[1] }) else {
            throw GraphError.invalidValue("BatchNormalization: X \(x.shape) needs scale, B, mean and var of one "
                                          + "entry per channel, got \(parts.map(\.shape))")
        }
        let axes = [0] + Array(2..<x.shape.count)
        let perChannel = [1, x.shape[1]] + [Int](repeating: 1, count: x.shape.count - 2)
        let mean = try x.mean(axes: axes, keepDims: true)
        let centered = try x - mean
        let variance = try (centered * centered).mean(axes: axes, keepDims: true)
        let scale = try parts[0].reshaped(perChannel), bias = try parts[1].reshaped(perChannel)
        let y = try centered / (variance + epsilon).sqrt() * scale + bias
        let running = try zip([parts[2], parts[3]], [mean, variance]).map { old, batch in
            try old.reshaped([x.shape[1]]) * momentum + batch.reshaped([x.shape[1]]) * (1 - momentum)
        }
        return [.float(y), .float(running[0]), .float(running[1])]
    }
}
