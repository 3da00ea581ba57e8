import Foundation
import PruneTensor
import PruneAutodiff
import PruneNN

/// What a logit distillation trains in the student: ``prepare(_:seed:)`` readies the model (freezing,
/// wrapping layers) and returns the parameters to update; ``finish(_:)`` undoes the wrapping after
/// training, leaving a model of the original structure. A new choice (say, norms only, or adapters on
/// some projections) is one new conforming type.
public protocol DistillationTrainables {
    /// The name in reports and on the command line.
    var name: String { get }
    /// The Adam learning rate that suits it for a short budget (see the README's recovery table).
    var defaultLearningRate: Float { get }
    /// Readies `student` for training; the returned parameters are the ones the optimizer updates.
    func prepare(_ student: LlamaModel, seed: UInt64) throws -> [Parameter]
    /// Called once after the last step.
    func finish(_ student: LlamaModel) throws
}

/// Every parameter of the student trains: projections, norms and the (tied) embedding.
public struct AllWeightsTrainable: DistillationTrainables {
    public init() {}
    public var name: String { "all" }
    public var defaultLearningRate: Float { 5e-5 }

    public func prepare(_ student: LlamaModel, seed: UInt64) throws -> [Parameter] {
        let all = student.parameters().map(\.parameter)
        for p in all { p.requiresGrad = true }
        return all
    }

    public func finish(_ student: LlamaModel) throws {}
}
