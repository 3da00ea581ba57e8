import Foundation

/// The model a pruning job works on: a built-in architecture with safetensors weights, or an
/// imported ONNX file; it knows how to make a fresh dense copy and how to save the pruned one.
public struct PruningModelSource {
    public let name: String
    public let module: any Module
    public let onnx: ONNXModel?
    /// A fresh copy of the dense model (distillation teacher, timing).
    public let reload: () throws -> any Module

    public static func isONNX(_ model: String) -> Bool { model.lowercased().hasSuffix(".onnx") }

    public static func onnx(_ path: String, log: any JobLog) throws -> PruningModelSource {
        let m = try ONNXModel.load(path)
        log.info("imported \(path): opset \(m.opset), \(m.graph.nodes.count) nodes, \(m.graph.parameterCount) parameters")
        return PruningModelSource(name: (path as NSString).lastPathComponent, module: m.graph, onnx: m,
                                  reload: {
            let copy = try ONNXModel.load(path).graph
            copy.inputPacking = m.graph.inputPacking   // packed calibration inputs, if the job set them
            return copy
        })
    }

    public static func zoo(_ name: String, weights: String, trainIfMissing: (epochs: Int, seed: UInt64,
                                                                             learningRate: Float)?,
                           data: ImageDataSource, log: any JobLog, resume: Bool = false) throws -> PruningModelSource {
        let net: Sequential
        if FileManager.default.fileExists(atPath: weights) {
            net = try ModelZoo.make(name, seed: 0)
            try net.load(try Safetensors.read(weights), file: weights)
        } else if let t = trainIfMissing {
            log.info("\(weights) does not exist: training \(name) for \(t.epochs) epochs (seed \(t.seed))")
            let dir = (weights as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            let train = try data.load(.train)
            let checkpoints = TrainingCheckpoints(
                path: weights + JobCheckpoint.suffix, resume: resume,
                fingerprint: "train \(name) epochs \(t.epochs) seed \(t.seed) lr \(t.learningRate) "
                    + "batch \(data.batchSize) "
                    + "examples \(train.count) threads \(ProcessInfoCores.count)")
            net = try DenseTraining.train(model: name, data: train, epochs: t.epochs, seed: t.seed,
                                          learningRate: t.learningRate, batchSize: data.batchSize, log: log,
                                          checkpoints: checkpoints)
            try Safetensors.write(net.stateDict(), to: weights)
            checkpoints.finish()
            log.info("saved the dense model to \(weights)")
        } else {
            throw JobError("cannot read \(weights)")
        }
        return PruningModelSource(name: name, module: net, onnx: nil, reload: {
            let m = try ModelZoo.make(name, seed: 0)
            try m.load(try Safetensors.read(weights), file: weights)
            return m
        })
    }

    /// A fresh dense copy and `pruned` timed whole on `measurer` in alternation, `batch` examples of
    /// `exampleShape` per call (``LatencyComparison``).
    public func latencyAgainstDense(_ pruned: any Module, batch: Int, exampleShape: [Int],
                                    measurer: any LatencyMeasurer) throws -> LatencyComparison {
        try LatencyComparison.measure(try reload(), pruned, inputShape: [batch] + exampleShape, measurer: measurer)
    }

    /// Writes the pruned model: ONNX models as .onnx (or their parameters as .safetensors), built-in ones
    /// as safetensors or, to a .onnx path, as an ONNX model of one example of `exampleShape` per batch
    /// (``NativeONNXExport``). Returns the file size. (`PruningJob.run` has already refused an output that
    /// is the input, before any work.)
    public func save(to out: String, metadata: [String: String], exampleShape: [Int]) throws -> Int? {
        if let onnx, Self.isONNX(out) {
            try onnx.write(to: out)
        } else if Self.isONNX(out) {
            module.eval()
            try NativeONNXExport.write(module, inputShape: [1] + exampleShape, to: out)
        } else {
            var state = module.stateDict()
            for (k, v) in metadata { state.metadata[k] = v }
            try Safetensors.write(state, to: out)
        }
        return (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? nil
    }
}
