import PruneTensor

/// Named tensors and generator states a training carries beyond its model.
public struct CheckpointedValues: Sendable {
    public var tensors: [String: Tensor] = [:]
    /// Random generator states and counters, as 64-bit words.
    public var words: [String: [UInt64]] = [:]
    public init(tensors: [String: Tensor] = [:], words: [String: [UInt64]] = [:]) {
        self.tensors = tensors; self.words = words
    }

    /// The generator saved under `key`, or an error naming it.
    public func generator(_ key: String) throws -> RandomGenerator {
        guard let w = words[key], let g = RandomGenerator(savedState: w) else {
            throw TensorError.invalidArgument(op: "resume",
                                              reason: "the checkpoint has no random generator state \(key)")
        }
        return g
    }

    /// The tensor saved under `key` with `shape`, or an error naming it.
    public func tensor(_ key: String, shape: [Int]) throws -> Tensor {
        guard let t = tensors[key], t.shape == shape else {
            throw TensorError.invalidArgument(op: "resume",
                                              reason: "the checkpoint has no tensor \(key) of shape \(shape)")
        }
        return t
    }
}

/// State a training method keeps outside the model (a dynamic-sparse-training hook's generator, the
/// parameters and generators of learned masks), saved in training checkpoints so that a killed run
/// resumes to the same result as an uninterrupted one.
public protocol CheckpointedState: AnyObject {
    func checkpointValues() -> CheckpointedValues
    /// Restores saved values; the run continues at optimizer step `step`.
    func restore(_ values: CheckpointedValues, atStep step: Int) throws
}
