import Foundation
import Prune

/// The model a pruning job works on: a built-in architecture with safetensors weights, or an
/// imported ONNX file; it knows how to make a fresh dense copy and how to save the pruned one.
struct PruningModelSource {
    let name: String
    let module: any Module
    let onnx: ONNXModel?
    /// A fresh copy of the dense model (distillation teacher, timing).
    let reload: () throws -> any Module

    static func isONNX(_ model: String) -> Bool { model.lowercased().hasSuffix(".onnx") }

    static func onnx(_ path: String, console: Console) throws -> PruningModelSource {
        let m = try ONNXModel.load(path)
        console.info("imported \(path): opset \(m.opset), \(m.graph.nodes.count) nodes, \(m.graph.parameterCount) parameters")
        return PruningModelSource(name: (path as NSString).lastPathComponent, module: m.graph, onnx: m,
                                  reload: { try ONNXModel.load(path).graph })
    }

    static func zoo(_ name: String, weights: String, trainIfMissing: (epochs: Int, seed: UInt64, learningRate: Float)?,
                    data: DataOptions, console: Console) throws -> PruningModelSource {
        let net: Sequential
        if FileManager.default.fileExists(atPath: weights) {
            net = try ModelZoo.make(name, seed: 0)
            try net.load(try Safetensors.read(weights), file: weights)
        } else if let t = trainIfMissing {
            console.info("\(weights) does not exist: training \(name) for \(t.epochs) epochs (seed \(t.seed))")
            net = try DenseTraining.train(model: name, train: try data.load(.train), test: try data.load(.test), epochs: t.epochs, seed: t.seed,
                                          learningRate: t.learningRate, batchSize: data.batchSize, console: console)
            let dir = (weights as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            try Safetensors.write(net.stateDict(), to: weights)
            console.info("saved the dense model to \(weights)")
        } else {
            throw CLIError("prune: cannot read \(weights)")
        }
        return PruningModelSource(name: name, module: net, onnx: nil, reload: {
            let m = try ModelZoo.make(name, seed: 0)
            try m.load(try Safetensors.read(weights), file: weights)
            return m
        })
    }

    /// Writes the pruned model: ONNX models as .onnx (or their parameters as .safetensors),
    /// built-in ones as safetensors. Returns the file size. (`PruningJob.run` has already refused an
    /// output that is the input, before any work.)
    func save(to out: String, metadata: [String: String]) throws -> Int? {
        if let onnx, Self.isONNX(out) {
            try onnx.write(to: out)
        } else {
            if onnx == nil && Self.isONNX(out) { throw CLIError("prune: \(name) is a built-in model; save it as .safetensors") }
            var state = module.stateDict()
            for (k, v) in metadata { state.metadata[k] = v }
            try Safetensors.write(state, to: out)
        }
        return (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? nil
    }
}

/// The examples a pruning job calibrates, fine-tunes and measures on: Fashion-MNIST, or a
/// safetensors file of inputs `x` with optional `labels` (else the dense model's own predictions,
/// so accuracy reads as agreement with the dense model).
struct PruningDataset {
    var train: LabeledImages
    var test: LabeledImages
    var normalization: (mean: Float, std: Float)
    var description: String

    static func load(calibration: String?, data: DataOptions, model: any Module, console: Console) throws -> PruningDataset {
        guard let calibration, calibration != "fashion-mnist" else {
            return PruningDataset(train: try data.load(.train), test: try data.load(.test), normalization: (DataOptions.mean, DataOptions.std),
                                  description: "Fashion-MNIST")
        }
        let state: StateDict
        do { state = try Safetensors.read(calibration) } catch { throw CLIError("prune: --calibration \(calibration): \(error)") }
        guard let x = state.tensors["x"], x.rank >= 2, x.shape[0] >= 2 else {
            throw CLIError("prune: --calibration \(calibration) needs a tensor \"x\" of at least two examples [N, …]")
        }
        if let bad = x.scalars.firstIndex(where: { !$0.isFinite }) { throw CLIError("prune: --calibration \(calibration): x holds a NaN or infinite value at \(bad)") }
        let n = x.shape[0]
        var labels: [Int]
        var classes: Int
        if let l = state.tensors["labels"] {
            guard l.count == n, l.scalars.allSatisfy({ $0 >= 0 && $0 == $0.rounded() }) else {
                throw CLIError("prune: --calibration \(calibration): \"labels\" must hold \(n) class numbers")
            }
            labels = l.scalars.map { Int($0) }
            classes = (labels.max() ?? 0) + 1
        } else {
            let logits = try withNoGrad { model.eval(); return try model.forward(Variable(x)) }.value
            guard logits.rank == 2 else { throw CLIError("prune: --calibration without labels needs a model with [N, classes] outputs (got \(logits.shape))") }
            classes = logits.shape[1]
            labels = (0..<n).map { i in (0..<classes).max { logits.scalars[i * classes + $0] < logits.scalars[i * classes + $1] }! }
            console.info("calibration \(calibration): no labels, so accuracy is agreement with the dense model's predictions")
        }
        classes = max(classes, 2)
        let cut = max(1, min(n - 1, (n * 4) / 5))
        let all = try LabeledImages(images: x, labels: labels, classes: classes)
        let train = try all.prefix(cut)
        let test = try LabeledImages(images: x.slice(axis: 0, start: cut, end: n), labels: Array(labels[cut...]), classes: classes)
        return PruningDataset(train: train, test: test, normalization: (0, 1), description: "\(calibration) (\(cut) calibration, \(n - cut) held-out examples)")
    }

    /// One example's shape.
    var exampleShape: [Int] { Array(train.images.shape.dropFirst()) }

    /// Checks that an imported model takes these examples.
    func check(fits onnx: ONNXModel?) throws {
        guard let onnx, let input = onnx.graph.inputs.first else { return }
        let want = Array(input.shape.dropFirst())
        guard want.count == exampleShape.count, zip(want, exampleShape).allSatisfy({ $0 == nil || $0 == $1 }) else {
            throw CLIError("prune: the model's input \(input.name) is [N, \(want.map { $0.map(String.init) ?? "?" }.joined(separator: ", "))], the data's examples are \(exampleShape); pass --calibration FILE.safetensors with inputs \"x\" the model takes")
        }
    }
}
