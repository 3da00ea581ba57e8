import Foundation
import Prune

/// What `prune bench onnx` runs: the model files a `--models` list names and the inputs of one model.
enum BenchONNXInputs {
    /// The ONNX files of a comma-separated list: a folder stands for its `model.onnx` (a test-data
    /// case) or else every `.onnx` file in it, sorted.
    static func modelFiles(_ list: String) throws -> [String] {
        var files: [String] = []
        for item in list.split(separator: ",").map(String.init) {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: item, isDirectory: &isFolder) else {
                throw CLIError("bench onnx: \(item) does not exist")
            }
            if !isFolder.boolValue { files.append(item); continue }
            if FileManager.default.fileExists(atPath: item + "/model.onnx") {
                files.append(item + "/model.onnx"); continue
            }
            let inside = try FileManager.default.contentsOfDirectory(atPath: item).filter { $0.hasSuffix(".onnx") }
            guard !inside.isEmpty else { throw CLIError("bench onnx: \(item) holds no .onnx file") }
            files += inside.sorted().map { item + "/" + $0 }
        }
        return files
    }

    /// A short name for a table row: the file name, or the case folder's name for `model.onnx`.
    static func label(_ path: String) -> String {
        let name = (path as NSString).lastPathComponent
        guard name == "model.onnx" else { return name }
        return ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
    }

    /// The timed inputs, by graph input name: the inputs stored beside the model (its examples
    /// repeated to `batch` where the batch extent is free), else normal noise for one float input,
    /// else token id 0 with neutral masks and positions (``GraphModel/feeds(for:)``).
    static func feeds(_ model: ONNXModel, batch: Int, seed: UInt64) throws -> [String: GraphValue] {
        let freeBatch = model.graph.inputs.first?.shape.first.map { $0 == nil } ?? false
        if let stored = try model.storedInputs() {
            return freeBatch ? try stored.mapValues { try $0.repeatingExamples(toBatch: batch) } : stored
        }
        guard let shape = model.exampleShape(batch: batch), let first = model.graph.inputs.first else {
            throw CLIError("bench onnx: \(model.file) has no inputs")
        }
        var rng = RandomGenerator(seed: seed)
        let x = first.isInteger ? Tensor.zeros(shape) : Tensor.normal(shape, using: &rng)
        return try model.graph.feeds(for: Variable(x))
    }

    /// One example of the first input, as the structured pruner's trace takes it.
    static func example(_ model: ONNXModel, _ feeds: [String: GraphValue]) throws -> Tensor {
        guard let first = model.graph.inputs.first, let value = feeds[first.name] else {
            throw CLIError("bench onnx: \(model.file) has no inputs")
        }
        let x = value.floatTensor
        return first.shape.first.map { $0 == nil } ?? false ? try x.slice(axis: 0, start: 0, end: 1) : x
    }

    /// The feeds as float tensors by input name, for the onnxruntime script (it casts each to the
    /// type its session declares).
    static func stateDict(_ feeds: [String: GraphValue]) -> StateDict { StateDict(feeds.mapValues(\.floatTensor)) }
}
