import Foundation
import PruneTensor
import PruneAutodiff
import PruneNN

/// Recovery of a pruned decoder by knowledge distillation from the dense one (Hinton et al. 2015; for
/// pruned LLMs, Sheared LLaMA and Minitron, Muralidharan et al. 2024): each step runs the teacher and
/// the student on windows of calibration text and minimizes T²·KL(softmax(teacher/T) ‖ softmax(student/T))
/// averaged over every position, with Adam on what ``trainables`` chooses (all weights, or LoRA adapters
/// merged at the end), clipping the gradient norm. The budget is a number of optimizer steps.
public struct LogitDistillation {
    public var steps: Int
    /// Adam's learning rate; by default the trainables' own.
    public var learningRate: Float
    public var temperature: Float = 1
    /// Windows per optimizer step (their gradients are averaged).
    public var windowsPerStep = 1
    /// Global gradient-norm bound (nil: no clipping).
    public var maxGradientNorm: Float? = 1
    public var trainables: any DistillationTrainables
    public var seed: UInt64 = 0

    public init(steps: Int, trainables: any DistillationTrainables = LoRAAdapters()) {
        self.steps = steps; self.trainables = trainables; learningRate = trainables.defaultLearningRate
    }

    /// Trains `student` towards `teacher` on `windows` (one row each, used in order, cycling) and
    /// returns the loss curve.
    public func run(teacher: LlamaModel, student: LlamaModel, windows: [TokenRows],
                    progress: (String) -> Void = { _ in }) throws -> DistillationReport {
        try validate(teacher: teacher, student: student, windows: windows)
        let parameters = try trainables.prepare(student, seed: seed)
        let optimizer = Adam(parameters, learningRate: learningRate)
        var report = DistillationReport(trainables: trainables.name, steps: steps, windowsPerStep: windowsPerStep,
                                        learningRate: learningRate, temperature: temperature,
                                        trainedParameters: parameters.reduce(0) { $0 + $1.value.count })
        let t0 = monotonicSeconds()
        for step in 0..<steps {
            optimizer.zeroGrad()
            var loss = 0.0
            for w in 0..<windowsPerStep {
                let rows = windows[(step * windowsPerStep + w) % windows.count]
                loss += try accumulate(teacher: teacher, student: student, rows: rows, step: step)
                report.tokens += rows.tokenCount
            }
            if let bound = maxGradientNorm { clipGradientNorm(parameters, maxNorm: bound) }
            optimizer.step()
            report.losses.append(loss / Double(windowsPerStep))
            progress(String(format: "distillation step %d/%d, KL %.4f", step + 1, steps, loss / Double(windowsPerStep)))
        }
        try trainables.finish(student)
        report.seconds = monotonicSeconds() - t0
        return report
    }

    /// The loss of one window, its gradient added into the trained parameters (scaled for the step's mean).
    public func accumulate(teacher: LlamaModel, student: LlamaModel, rows: TokenRows, step: Int) throws -> Double {
        let target = try teacher.logits(rows.rows)
        let vocabulary = target.shape[target.rank - 1], positions = target.count / vocabulary
        let ids = Tensor(unchecked: [rows.rows.count, rows.rows[0].count], rows.rows.flatMap { $0 }.map(Float.init))
        let logits = try student.forward(Variable(ids)).reshaped([positions, vocabulary])
        let loss = try Loss.distillation(student: logits, teacher: target.reshaped([positions, vocabulary]),
                                         temperature: temperature)
        let value = loss.value.scalars[0]
        try TrainingDiverged.check(loss: value, logits: logits.value, run: "distillation", epoch: 0, batch: step,
                                   updates: step)
        try (loss * (1 / Float(windowsPerStep))).backward()
        return Double(value)
    }

    func validate(teacher: LlamaModel, student: LlamaModel, windows: [TokenRows]) throws {
        guard steps >= 1, windowsPerStep >= 1 else {
            throw OneShotError.invalid("distillation needs ≥ 1 step of ≥ 1 window, got \(steps) steps × "
                                       + "\(windowsPerStep) windows")
        }
        guard learningRate > 0, learningRate.isFinite, temperature > 0, temperature.isFinite else {
            throw OneShotError.invalid("distillation needs a positive learning rate and temperature")
        }
        guard !windows.isEmpty, windows.allSatisfy({ !$0.rows.isEmpty && $0.rows.allSatisfy { !$0.isEmpty } }) else {
            throw OneShotError.noCalibrationData("distillation has no text windows")
        }
        guard teacher.config.vocabularySize == student.config.vocabularySize else {
            throw OneShotError.invalid("teacher and student vocabularies differ (\(teacher.config.vocabularySize) "
                                       + "and \(student.config.vocabularySize))")
        }
    }
}

/// What a ``LogitDistillation`` did: its budget and the loss of every step.
public struct DistillationReport: Encodable, Sendable {
    public var trainables: String
    public var steps: Int
    public var windowsPerStep: Int
    public var learningRate: Float
    public var temperature: Float
    public var trainedParameters: Int
    public var tokens = 0
    /// Mean KL of each step's windows, before that step's update.
    public var losses: [Double] = []
    public var seconds = 0.0

    /// Mean of the first and of the last tenth of the steps (at least one each).
    public var firstLoss: Double { mean(losses.prefix(max(1, losses.count / 10))) }
    public var lastLoss: Double { mean(losses.suffix(max(1, losses.count / 10))) }

    func mean<C: Collection>(_ c: C) -> Double where C.Element == Double {
        c.isEmpty ? 0 : c.reduce(0, +) / Double(c.count)
    }
}
