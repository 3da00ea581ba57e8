import PruneTensor
import PruneAutodiff

/// What the training loop reports after each batch.
public struct TrainingProgress: Sendable {
    public let epoch: Int
    public let epochs: Int
    public let batch: Int
    public let batches: Int
    /// Running mean loss of this epoch so far.
    public let loss: Float
    /// Running training accuracy of this epoch so far.
    public let accuracy: Float
    /// Examples per second over this epoch so far.
    public let samplesPerSecond: Double
}

/// The result of one training epoch.
public struct EpochResult: Sendable, Codable {
    public let epoch: Int
    public let loss: Float
    public let trainAccuracy: Float
    public let samplesPerSecond: Double
    public let seconds: Double
}

/// Loss and accuracy of a model on a data set.
public struct Evaluation: Sendable, Codable {
    public let loss: Float
    public let accuracy: Float
    public let count: Int
    /// Examples whose outputs hold NaN or infinity (counted as wrong; the loss is then NaN or infinite).
    public var nonFinite: Int = 0

    public init(loss: Float, accuracy: Float, count: Int, nonFinite: Int = 0) {
        self.loss = loss; self.accuracy = accuracy; self.count = count; self.nonFinite = nonFinite
    }

    /// The evaluation, or an error when any output was NaN or infinite (a model that cannot be pruned or
    /// measured meaningfully).
    public func requireFinite() throws -> Evaluation {
        guard nonFinite == 0 else {
            throw TensorError.invalidArgument(op: "evaluate", reason: "the model's outputs are NaN or infinite on "
                + "\(nonFinite) of \(count) test examples (weights that overflow or hold NaN)")
        }
        return self
    }

    /// A warning to print when some outputs were not finite, else nil.
    public var nonFiniteWarning: String? {
        nonFinite == 0 ? nil : "warning: the model's outputs are NaN or infinite on \(nonFinite) of \(count) examples "
            + "(weights that overflow or hold NaN); those count as wrong and the loss is \(loss.isNaN ? "NaN" : "\(loss)")"
    }
}

/// Supervised classification training: forward, cross-entropy, backward, optimizer step, per batch.
public enum Trainer {
    /// Trains for one epoch over `loader`. `step` counts optimizer steps across epochs (for schedules).
    /// `skipBatches` resumes an epoch stopped after that many batches (the result then covers the rest);
    /// `afterBatch` runs after every optimizer step with the batches done in this epoch; `hook` around
    /// every step (see ``TrainingHook``).
    public static func trainEpoch(_ model: any Module, loader: DataLoader, optimizer: any Optimizer,
                                  schedule: (any LearningRateSchedule)? = nil, step: inout Int,
                                  labelSmoothing: Float = 0, clipNorm: Float? = nil,
                                  epoch: Int = 0, epochs: Int = 1,
                                  extraLoss: ((any Module) throws -> Variable?)? = nil,
                                  progress: ((TrainingProgress) -> Void)? = nil,
                                  skipBatches: Int = 0, hook: (any TrainingHook)? = nil,
                                  afterBatch: ((Int) throws -> Void)? = nil) throws -> EpochResult {
        model.train()
        let params = optimizer.parameters
        let start = monotonicSeconds()
        var seen = 0, correct = 0
        var lossSum: Double = 0
        let batches = loader.batchCount
        for (b, batch) in loader.enumerated() where b >= skipBatches {
            if let schedule { optimizer.learningRate = schedule.learningRate(atStep: step) }
            for p in params { p.zeroGrad() }
            try hook?.willStep(step)
            let logits = try model.forward(Variable(batch.images))
            var loss = try Loss.crossEntropy(logits, labels: batch.labels, labelSmoothing: labelSmoothing)
            try TrainingDiverged.check(loss: loss.value.item, logits: logits.value, run: "training", epoch: epoch,
                                       batch: b, updates: step)
            lossSum += Double(loss.value.item) * Double(batch.labels.count)
            if let extra = try extraLoss?(model) { loss = try loss + extra }
            try loss.backward()
            if let clipNorm { clipGradientNorm(params, maxNorm: clipNorm) }
            optimizer.step()
            try hook?.didStep(step)
            step += 1
            let pred = try logits.value.argmax(axis: 1)
            correct += zip(pred, batch.labels).filter { $0 == $1 }.count
            seen += batch.labels.count
            if let progress {
                let el = monotonicSeconds() - start
                progress(TrainingProgress(epoch: epoch, epochs: epochs, batch: b + 1, batches: batches,
                                          loss: Float(lossSum / Double(seen)), accuracy: Float(correct) / Float(seen),
                                          samplesPerSecond: Double(seen) / Swift.max(el, 1e-9)))
            }
            try afterBatch?(b + 1)
        }
        let el = monotonicSeconds() - start
        return EpochResult(epoch: epoch, loss: Float(lossSum / Double(Swift.max(seen, 1))),
                           trainAccuracy: Float(correct) / Float(Swift.max(seen, 1)),
                           samplesPerSecond: Double(seen) / Swift.max(el, 1e-9), seconds: el)
    }

    /// Mean cross-entropy and accuracy of `model` (in evaluation mode, without gradients).
    public static func evaluate(_ model: any Module, loader: DataLoader) throws -> Evaluation {
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        return try withNoGrad {
            var seen = 0, correct = 0, nonFinite = 0
            var lossSum: Double = 0
            for batch in loader {
                let logits = try model.forward(Variable(batch.images))
                let loss = try Loss.crossEntropy(logits, labels: batch.labels)
                lossSum += Double(loss.value.item) * Double(batch.labels.count)
                let pred = try logits.value.argmax(axis: 1)
                let finite = finiteRows(logits.value)
                nonFinite += finite.filter { !$0 }.count
                correct += zip(zip(pred, batch.labels), finite).filter { $0.0 == $0.1 && $1 }.count
                seen += batch.labels.count
            }
            return Evaluation(loss: Float(lossSum / Double(Swift.max(seen, 1))),
                              accuracy: Float(correct) / Float(Swift.max(seen, 1)), count: seen, nonFinite: nonFinite)
        }
    }
}

/// Whether each row of a [N, classes] output is free of NaN and infinity.
func finiteRows(_ logits: Tensor) -> [Bool] {
    let n = logits.shape.first ?? 0, width = n == 0 ? 0 : logits.count / n
    return (0..<n).map { r in logits.scalars[(r * width)..<((r + 1) * width)].allSatisfy(\.isFinite) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seconds on a monotonic clock.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The peak resident memory of this process so far, in bytes.
///
/// On Linux this is `VmHWM` of `/proc/self/status`: `getrusage`'s `ru_maxrss` carries the parent's
/// resident size across fork and exec, so a `prune` started by a large process (a test runner, a
/// notebook) would report the parent's memory as its own. `ru_maxrss` remains the fallback.
public func peakResidentBytes() -> Int {
    var usage = rusage()
    #if canImport(Darwin)
    getrusage(RUSAGE_SELF, &usage)
    return Int(usage.ru_maxrss)
    #else
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kilobytes = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") {
        return kilobytes * 1024
    }
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_maxrss) * 1024
    #endif
}
