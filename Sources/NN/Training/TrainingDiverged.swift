import PruneTensor

/// A training or fine-tuning run whose loss became NaN or infinite; the message names the step and
/// tells apart a model that was broken before any update from one that diverged while training.
public struct TrainingDiverged: Error, CustomStringConvertible {
    /// "training" or "fine-tuning".
    public let run: String
    public let epoch: Int
    public let batch: Int
    /// Optimizer updates made before the failing batch.
    public let updates: Int
    public let loss: Float
    /// Whether the model's outputs (not only the loss) were NaN or infinite.
    public let outputsNonFinite: Bool

    public var description: String {
        let at = "epoch \(epoch + 1), batch \(batch + 1) (update \(updates + 1))"
        if outputsNonFinite && updates == 0 {
            return "\(run): the model's outputs are NaN or infinite before any update (\(at)); its weights overflow "
                + "or hold NaN, so no learning rate can help"
        }
        if outputsNonFinite {
            return "\(run) diverged at \(at): the outputs became NaN or infinite; lower the learning rate or clip "
                + "the gradient norm"
        }
        return "\(run): the loss is \(loss) at \(at) though the outputs are finite; check the loss settings "
            + "(distillation temperature, label smoothing)"
    }

    /// Throws when `loss` is not finite; `logits` decide which kind of failure it is.
    public static func check(loss: Float, logits: Tensor, run: String, epoch: Int, batch: Int, updates: Int) throws {
        guard !loss.isFinite else { return }
        throw TrainingDiverged(run: run, epoch: epoch, batch: batch, updates: updates, loss: loss,
                               outputsNonFinite: !logits.isFinite)
    }
}
