import PruneAutodiff
import PruneNN
import PruneTensor

/// Fine-tuning with auxiliary classification losses at intermediate points, the stage-wise step of
/// discrimination-aware channel pruning (Zhuang et al., NeurIPS 2018, Algorithm 1: "learn θ and W by
/// minimizing L_f and the additional losses L_S^p"): a head reads the input of each layer at `points`
/// (global average pooling for feature maps, then a Linear to the classes) and every step minimizes
/// L_f + Σ_p L_S^p over the model's parameters (Adam at the fine-tuning rate) and the new heads' (Adam at the
/// base rate, since they start from scratch), so intermediate features become discriminative before channels
/// are chosen. The heads are discarded afterwards; only the model changes.
public struct AuxiliaryLossTraining {
    public var points: [String]
    public var options: FineTuningOptions
    public var classes: Int

    public init(points: [String], options: FineTuningOptions, classes: Int) {
        self.points = points; self.options = options; self.classes = classes
    }

    /// Trains `model` for `options.epochs` epochs on `data`; the mean combined loss of each epoch.
    public func run(_ model: any Module, data: LabeledImages, normalization: (mean: Float, std: Float),
                    progress: ((Int, Float) -> Void)? = nil) throws -> [Double] {
        let taps = try InputTap.insert(at: points, into: model)
        defer { InputTap.remove(taps, from: model) }
        var firstBatches = try DataLoader(data, batchSize: options.batchSize, mean: normalization.mean,
                                          std: normalization.std).makeIterator()
        guard let first = firstBatches.next() else {
            throw PruningError.invalidOption("no training data for the auxiliary losses")
        }
        model.eval()
        _ = try withNoGrad { try model.forward(Variable(first.images)) }
        var rng = RandomGenerator(seed: options.seed &+ 0xDC9)
        let heads = try taps.map { try Self.head(for: $0.tap.captured, classes: classes, rng: &rng) }
        let modelParams = model.parameters().map(\.parameter), headParams = heads.flatMap { $0.parameters() }
            .map(\.parameter)
        let params = modelParams + headParams
        let optimizers = [Adam(modelParams, learningRate: options.learningRate * options.learningRateMultiplier),
                          Adam(headParams, learningRate: options.learningRate)]
        var losses: [Double] = [], updates = 0
        for epoch in 0..<options.epochs {
            model.train()
            let loader = try DataLoader(data, batchSize: options.batchSize, shuffle: true, seed: options.seed,
                                        epoch: epoch, mean: normalization.mean, std: normalization.std)
            var sum = 0.0, seen = 0
            for (b, batch) in loader.enumerated() {
                for p in params { p.zeroGrad() }
                let loss = try combinedLoss(model, heads: heads, taps: taps.map(\.tap), batch: batch)
                try TrainingDiverged.check(loss: loss.value.item, logits: loss.value, run: "auxiliary-loss training",
                                           epoch: epoch, batch: b, updates: updates)
                try loss.backward()
                for o in optimizers { o.step() }
                updates += 1
                sum += Double(loss.value.item) * Double(batch.labels.count); seen += batch.labels.count
                progress?(epoch + 1, Float(sum / Double(max(seen, 1))))
            }
            losses.append(sum / Double(max(seen, 1)))
        }
        model.eval()
        return losses
    }

    /// L_f + Σ_p L_S^p on one batch: cross-entropy of the model's logits and of each head on its tap's input.
    func combinedLoss(_ model: any Module, heads: [any Module], taps: [InputTap],
                      batch: (images: Tensor, labels: [Int])) throws -> Variable {
        var loss = try Loss.crossEntropy(try model.forward(Variable(batch.images)), labels: batch.labels)
        for (head, tap) in zip(heads, taps) {
            guard let x = tap.captured else { throw PruningError.invalidOption("\(tap.path) was not reached") }
            loss = try loss + (try Loss.crossEntropy(try head.forward(x), labels: batch.labels))
        }
        return loss
    }

    /// Global average pooling (for [N, C, H, W] inputs) and a Linear from the channels to the classes.
    static func head(for x: Variable?, classes: Int, rng: inout RandomGenerator) throws -> any Module {
        guard let shape = x?.shape, shape.count == 2 || shape.count == 4 else {
            throw PruningError.invalidOption("auxiliary losses read [N, C] or [N, C, H, W] inputs, got "
                                             + "\(x?.shape.description ?? "none")")
        }
        let linear = Linear(shape[1], classes, rng: &rng)
        return shape.count == 4 ? Sequential([GlobalAvgPool2d(), linear]) : Sequential([linear])
    }
}

/// A module that remembers the input it was last given, then runs the one it wraps (inserted in place of
/// a layer for auxiliary losses, removed after).
final class InputTap: Module {
    let inner: any Module
    let path: String
    var captured: Variable?
    var isTraining: Bool {
        get { inner.isTraining }
        set { inner.isTraining = newValue }
    }

    init(_ inner: any Module, path: String) { self.inner = inner; self.path = path }

    var children: [(name: String, module: any Module)] { [("inner", inner)] }

    func forward(_ x: Variable) throws -> Variable {
        captured = x
        return try inner.forward(x)
    }

    /// Wraps the modules at `paths` in taps.
    static func insert(at paths: [String], into model: any Module) throws -> [(path: String, tap: InputTap)] {
        try paths.map { path in
            let tap = InputTap(try model.module(at: path), path: path)
            try model.replaceModule(at: path, with: tap)
            return (path, tap)
        }
    }

    /// Puts the wrapped modules back.
    static func remove(_ taps: [(path: String, tap: InputTap)], from model: any Module) {
        for (path, tap) in taps.reversed() { try? model.replaceModule(at: path, with: tap.inner) }
    }
}
