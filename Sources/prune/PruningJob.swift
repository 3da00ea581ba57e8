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
        var model: String
        var weights: String
        var trainIfMissing: (epochs: Int, seed: UInt64, learningRate: Float)?
        var settings: PruneSettings
        var out: String?
        var validate: ((Sequential) throws -> Void)?
    }

    static func run(_ inputs: Inputs, data: DataOptions, console: Console) throws -> PruningReport {
        if let out = inputs.out, URL(fileURLWithPath: out).standardizedFileURL == URL(fileURLWithPath: inputs.weights).standardizedFileURL {
            throw CLIError("prune: the output \(out) is the input model; write the pruned model elsewhere")
        }
        let train = try data.load(.train), test = try data.load(.test)
        let net: Sequential
        if FileManager.default.fileExists(atPath: inputs.weights) {
            net = try ModelZoo.make(inputs.model, seed: 0)
            try net.load(try Safetensors.read(inputs.weights), file: inputs.weights)
        } else if let t = inputs.trainIfMissing {
            console.info("\(inputs.weights) does not exist: training \(inputs.model) for \(t.epochs) epochs (seed \(t.seed))")
            net = try DenseTraining.train(model: inputs.model, train: train, test: test, epochs: t.epochs, seed: t.seed,
                                          learningRate: t.learningRate, batchSize: data.batchSize, console: console)
            let dir = (inputs.weights as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            try Safetensors.write(net.stateDict(), to: inputs.weights)
            console.info("saved the dense model to \(inputs.weights)")
        } else {
            throw CLIError("prune: cannot read \(inputs.weights)")
        }
        try inputs.validate?(net)
        var settings = inputs.settings
        settings.batchSize = data.batchSize
        let plan = try settings.plan(trainCount: train.count)
        var teacher: (any Module)?
        if plan.fineTuning.distillation != nil {
            let t = try ModelZoo.make(inputs.model, seed: 0)
            try t.load(net.stateDict())
            teacher = t
        }
        console.info("pruning \(inputs.model): \(settings.criterion), \(plan.pattern), scope \(settings.scope), "
                     + String(format: "sparsity %.2f%%", plan.effectiveSparsity * 100) + ", schedule \(settings.schedule)")
        var report = try Pruner.run(net, plan: plan, data: PruningData(train: train, test: test, normalization: (DataOptions.mean, DataOptions.std)),
                                    teacher: teacher, inputShape: Array(train.images.shape.dropFirst())) { console.info($0) }
        if let out = inputs.out {
            try Safetensors.write(net.stateDict(), to: out)
            report.fileBytes = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? nil
        }
        return report
    }
}
