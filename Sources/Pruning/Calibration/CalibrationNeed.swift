import PruneNN
import PruneTensor

/// Something a criterion needs measured on calibration data before it can score. A new need is one
/// new type: it makes its own ``CalibrationAccumulator``, which ``Calibration/collect(model:targets:needs:loader:batches:settings:)``
/// feeds during one shared pass over the batches.
public protocol CalibrationNeed: Sendable {
    /// Needs with the same key are measured once per pass.
    var key: String { get }
    /// A fresh accumulator for these weights.
    func makeAccumulator(targets: [PruningTarget], settings: CalibrationSettings) -> any CalibrationAccumulator
}

/// Knobs of a calibration pass.
public struct CalibrationSettings: Sendable {
    /// Seeds random probes (the Hutchinson estimator of the Hessian diagonal).
    public var seed: UInt64
    /// Rademacher probes per batch for the Hessian diagonal.
    public var probes: Int
    /// Finite-difference step of the Hessian-vector products.
    public var epsilon: Float
    /// Learning rate of the fine-tuning steps movement scores are accumulated over.
    public var movementLearningRate: Float

    public init(seed: UInt64 = 0, probes: Int = 1, epsilon: Float = 1e-3, movementLearningRate: Float = 1e-4) {
        self.seed = seed; self.probes = probes; self.epsilon = epsilon; self.movementLearningRate = movementLearningRate
    }
}

/// Accumulates one need. Every method but `finish` has a default that does nothing.
public protocol CalibrationAccumulator: AnyObject {
    /// Runs before the shared pass (movement's own fine-tuning steps, which change the model).
    func prepare(model: any Module, loader: DataLoader, batches: Int) throws
    /// Whether the shared pass over the batches is needed at all.
    var usesSharedPass: Bool { get }
    /// Whether the shared pass must back-propagate the loss (gradients are then on the targets' parameters).
    var needsLossGradients: Bool { get }
    /// The input of a prunable layer in the shared forward pass.
    func observe(input: Tensor, layerPath: String, layer: any Module)
    /// The activation of a prunable layer (after the per-channel operations that follow it).
    func observe(output: Tensor, layerPath: String, layer: any Module)
    /// After the batch's backward pass, while the loss gradients are on the targets' parameters
    /// (called for every accumulator before any `batchDone`).
    func observeLossGradients(batch: (images: Tensor, labels: [Int])) throws
    /// After the batch's shared pass; may run passes of its own (they may overwrite the gradients).
    func batchDone(model: any Module, batch: (images: Tensor, labels: [Int])) throws
    /// Writes what was measured over `batches` batches.
    func finish(batches: Int, into statistics: inout CalibrationStatistics) throws
}

extension CalibrationAccumulator {
    public func prepare(model: any Module, loader: DataLoader, batches: Int) throws {}
    public var usesSharedPass: Bool { true }
    public var needsLossGradients: Bool { false }
    public func observe(input: Tensor, layerPath: String, layer: any Module) {}
    public func observe(output: Tensor, layerPath: String, layer: any Module) {}
    public func observeLossGradients(batch: (images: Tensor, labels: [Int])) throws {}
    public func batchDone(model: any Module, batch: (images: Tensor, labels: [Int])) throws {}
}
