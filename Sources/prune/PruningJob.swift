import Foundation
import Prune

/// Dense training as `prune train` does it by default (Adam, cosine schedule), for recipes and benchmarks
/// that need a trained model first.
enum DenseTraining {
    static func train(model name: String, train: LabeledImages, test: LabeledImages, epochs: Int, seed: UInt64, learningRate: Float,
                      batchSize: Int, console: Console) throws -> Sequential {
        let net = try ModelZoo.make(name, seed: seed)
        let optimizer = Adam(net.parameters().map(\.parameter), learningRate: learningRate)
        let batches = (train.count + batchSize - 1) / batchSize
        let schedule = CosineLR(base: learningRate, totalSteps: batches * epochs)
        var step = 0
        for epoch in 0..<epochs {
            let loader = try DataLoader(train, batchSize: batchSize, shuffle: true, seed: seed, epoch: epoch, mean: DataOptions.mean, std: DataOptions.std)
            let r = try Trainer.trainEpoch(net, loader: loader, optimizer: optimizer, schedule: schedule, step: &step, epoch: epoch, epochs: epochs, progress: { p in
                console.progress(String(format: "training %@: epoch %d/%d  batch %d/%d  loss %.4f", name, p.epoch + 1, p.epochs, p.batch, p.batches, p.loss))
            })
            console.endProgress()
            console.info(String(format: "training %@: epoch %d/%d  loss %.4f  train acc %@", name, epoch + 1, epochs, r.loss, r.trainAccuracy.percent))
        }
        return net
    }
}

/// One pruning run from settings: load (or train) the dense model, prune, save, report.
enum PruningJob {
    struct Inputs {
        /// A built-in architecture name, or an ONNX file.
        var model: String
        /// Safetensors weights of a built-in model (ignored for ONNX).
        var weights: String
        var trainIfMissing: (epochs: Int, seed: UInt64, learningRate: Float)?
        var settings: PruneSettings
        var out: String?
        var validate: ((any Module) throws -> Void)?
        /// nil or "fashion-mnist", or a safetensors file of inputs (see ``PruningDataset``).
        var calibration: String? = nil
    }

    static func run(_ inputs: Inputs, data: DataOptions, console: Console) throws -> PruningReport {
        let isONNX = PruningModelSource.isONNX(inputs.model)
        let inputFile = isONNX ? inputs.model : inputs.weights
        if let out = inputs.out, AtomicFile.isSamePath(out, inputFile) {
            throw CLIError("prune: the output \(out) is the input model; write the pruned model elsewhere")
        }
        let source = isONNX ? try PruningModelSource.onnx(inputs.model, console: console)
                            : try PruningModelSource.zoo(inputs.model, weights: inputs.weights, trainIfMissing: inputs.trainIfMissing, data: data, console: console)
        let dataset = try PruningDataset.load(calibration: inputs.calibration, data: data, model: source.module, console: console)
        try dataset.check(fits: source.onnx)
        let net = source.module
        try inputs.validate?(net)
        if let structured = inputs.settings.structured {
            return try runStructured(source, inputs: inputs, structured: structured, dataset: dataset, data: data, console: console)
        }
        var settings = inputs.settings
        settings.batchSize = data.batchSize
        let plan = try settings.plan(trainCount: dataset.train.count)
        let teacher: (any Module)? = plan.fineTuning.distillation != nil ? try source.reload() : nil
        console.info("pruning \(source.name): \(settings.criterion), \(plan.pattern), scope \(settings.effectiveScope(plan.criterion)), "
                     + String(format: "sparsity %.2f%%", plan.effectiveSparsity * 100) + ", schedule \(settings.schedule)")
        var report = try Pruner.run(net, plan: plan, data: PruningData(train: dataset.train, test: dataset.test, normalization: dataset.normalization),
                                    teacher: teacher, inputShape: dataset.exampleShape) { console.info($0) }
        for l in report.layers where l.inScope && l.parameters > 0 && l.nonzeros == 0 {
            console.result("warning: \(l.path) lost every weight (the \(settings.effectiveScope(plan.criterion)) threshold fell above all its scores); "
                           + "--scope layerwise or --scope protected keeps part of every layer")
        }
        if let out = inputs.out { report.fileBytes = try source.save(to: out, metadata: [:]) }
        return report
    }
}


extension PruningJob {
    /// Test-set accuracy and the wall time of the forward passes.
    static func timedAccuracy(_ model: any Module, _ test: LabeledImages,
                              normalization: (mean: Float, std: Float) = (DataOptions.mean, DataOptions.std)) throws -> (accuracy: Double, seconds: Double) {
        let loader = try DataLoader(test, batchSize: 256, mean: normalization.mean, std: normalization.std)
        // Warm-up pass, then the median of three: the dense and the pruned model are timed alike.
        var accuracy = 0.0
        let seconds = try MedianTiming(rounds: 3, minSeconds: 0).seconds {
            accuracy = Double(try Trainer.evaluate(model, loader: loader).accuracy)
        }
        return (accuracy, seconds)
    }

    /// Physically removes channels through the dependency graph, fine-tunes, saves a smaller dense model.
    static func runStructured(_ source: PruningModelSource, inputs: Inputs, structured st: StructuredSettings, dataset: PruningDataset,
                              data: DataOptions, console: Console) throws -> PruningReport {
        let net = source.module, train = dataset.train, test = dataset.test, norm = dataset.normalization
        guard let importance = ChannelImportance(rawValue: st.importance) else { throw CLIError("prune: unknown channel importance \(st.importance)") }
        guard let aggregation = GroupAggregation(rawValue: st.aggregation) else { throw CLIError("prune: unknown aggregation \(st.aggregation)") }
        let target: StructuredTarget
        switch st.target {
        case "flops": target = .flops(st.ratio)
        case "parameters": target = .parameters(st.ratio)
        case "channels": target = .channelRatio(st.ratio)
        default: throw CLIError("prune: unknown structured target \(st.target); known: flops, parameters, channels")
        }
        let inputShape = dataset.exampleShape
        let dense = try timedAccuracy(net, test, normalization: norm)
        let denseReport = try PruningReport.measure(net, scopePaths: [], inputShape: inputShape)
        console.info(String(format: "dense: accuracy %.2f%%, %d parameters, %d MACs", dense.accuracy * 100, denseReport.totalParameters, denseReport.macs))
        if st.removeBlocks > 0 {
            guard let seq = net as? Sequential else { throw CLIError("prune: --remove-blocks works on built-in models, not on imported graphs") }
            let loader = try DataLoader(train, batchSize: 256, mean: norm.mean, std: norm.std)
            var it = loader.makeIterator()
            guard let batch = it.next() else { throw CLIError("prune: no training data to score residual blocks") }
            let removed = try ResidualBlockRemoval.remove(st.removeBlocks, from: seq, inputs: batch.images)
            console.info("removed residual blocks: \(removed.joined(separator: ", "))")
        }
        var pruner = StructuredPruner(importance: importance, aggregation: aggregation, target: target, minimumKept: st.minimumKept,
                                      seed: inputs.settings.seed)
        pruner.roundTo = st.roundTo
        let result = try pruner.prune(net, example: Tensor.zeros([1] + inputShape))
        for g in result.groups where g.channelsAfter < g.channelsBefore {
            console.info("group \(g.group): \(g.channelsBefore) → \(g.channelsAfter) channels (\(g.members.joined(separator: ", ")))")
        }
        let afterPruning = try timedAccuracy(net, test, normalization: norm).accuracy
        console.info(String(format: "after removing channels: accuracy %.2f%%", afterPruning * 100))
        var finalAccuracy: Double?
        if inputs.settings.finetuneEpochs > 0 {
            var ft = try inputs.settings.plan(trainCount: train.count).fineTuning
            ft.batchSize = data.batchSize
            _ = try FineTuner.run(net, data: train, normalization: norm, options: ft,
                                  epochs: inputs.settings.finetuneEpochs, teacher: nil, progress: { e, n, loss in
                console.progress(String(format: "fine-tuning epoch %d/%d  loss %.4f", e, n, loss))
            })
            console.endProgress()
        }
        let pruned = try timedAccuracy(net, test, normalization: norm)
        if inputs.settings.finetuneEpochs > 0 { finalAccuracy = pruned.accuracy }
        // Time both models again, back to back, so the comparison sees the same machine state.
        let denseAgain = try source.reload()
        var denseSeconds = Double.infinity, prunedSeconds = Double.infinity
        for _ in 0..<3 {
            denseSeconds = min(denseSeconds, try timedAccuracy(denseAgain, test, normalization: norm).seconds)
            prunedSeconds = min(prunedSeconds, try timedAccuracy(net, test, normalization: norm).seconds)
        }
        var report = try PruningReport.measure(net, scopePaths: Set(PruningTarget.all(in: net).map(\.path)), inputShape: inputShape)
        report.accuracyDense = dense.accuracy
        report.accuracyAfterPruning = afterPruning
        report.accuracyAfterFineTuning = finalAccuracy
        report.denseParameters = denseReport.totalParameters
        report.denseMACs = denseReport.macs
        report.inferenceSecondsDense = denseSeconds
        report.inferenceSecondsPruned = prunedSeconds
        report.settings = ["structured": "\(st.target) \(st.ratio)", "importance": st.importance, "aggregation": st.aggregation]
        if let out = inputs.out { report.fileBytes = try source.save(to: out, metadata: ["prune.structured": "1", "model": source.name]) }
        return report
    }
}
