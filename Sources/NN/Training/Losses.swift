import PruneTensor
import PruneAutodiff

/// Loss functions. Each returns a scalar variable averaged over the batch.
public enum Loss {
    /// Cross-entropy from logits `[N, K]` against class labels, with optional label smoothing
    /// (Szegedy et al., "Rethinking the Inception Architecture", 2016).
    public static func crossEntropy(_ logits: Variable, labels: [Int], labelSmoothing: Float = 0) throws -> Variable {
        try Variable.softmaxCrossEntropy(logits: logits, labels: labels, labelSmoothing: labelSmoothing)
    }

    /// Mean squared error over all elements.
    public static func meanSquaredError(_ prediction: Variable, _ target: Variable) throws -> Variable {
        try (prediction - target).square().mean()
    }

    /// Knowledge-distillation loss: T² · KL(softmax(teacher/T) ‖ softmax(student/T)), averaged over
    /// the batch (Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network", 2015).
    public static func distillation(student: Variable, teacher: Tensor, temperature: Float = 4) throws -> Variable {
        guard student.shape == teacher.shape, student.value.rank == 2 else {
            throw TensorError.shapeMismatch(op: "distillation", shapes: [student.shape, teacher.shape],
                                            reason: "logits must be equal [N, K]")
        }
        let logPs = try (student / temperature).logSoftmax(axis: 1)
        let logPt = try (teacher / temperature).logSoftmax(axis: 1)
        let pt = logPt.exp()
        let perRow = try (Variable(pt) * (Variable(logPt) - logPs)).sum(axes: [1])
        return try perRow.mean() * (temperature * temperature)
    }

    /// KL(p ‖ q) for probability tensors given as log-probabilities along the last axis, batch-mean.
    public static func klDivergence(logQ: Variable, logP: Tensor) throws -> Variable {
        let p = logP.exp()
        return try (Variable(p) * (Variable(logP) - logQ)).sum(axes: [-1]).mean()
    }
}
