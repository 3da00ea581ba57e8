import Foundation

/// The examples a pruning job calibrates, fine-tunes and measures on: Fashion-MNIST, or a
/// safetensors file of inputs `x` with optional `labels` (else the dense model's own predictions,
/// so accuracy reads as agreement with the dense model).
public struct PruningDataset {
    public var train: LabeledImages
    public var test: LabeledImages
    public var normalization: (mean: Float, std: Float)
    public var description: String

    public static func load(calibration: String?, data: ImageDataSource, model: any Module,
                            log: any JobLog) throws -> PruningDataset {
        guard let calibration, calibration != "fashion-mnist" else {
            return PruningDataset(train: try data.load(.train), test: try data.load(.test),
                                  normalization: (ImageDataSource.mean, ImageDataSource.std),
                                  description: "Fashion-MNIST")
        }
        let state: StateDict
        do { state = try Safetensors.read(calibration) } catch { throw JobError("--calibration \(calibration): \(error)") }
        let x = try examples(state, file: calibration, model: model)
        if let bad = x.scalars.firstIndex(where: { !$0.isFinite }) {
            throw JobError("--calibration \(calibration): the inputs hold a NaN or infinite value at \(bad)")
        }
        let n = x.shape[0]
        var labels: [Int]
        var classes: Int
        if let l = state.tensors["labels"] {
            guard l.count == n, l.scalars.allSatisfy({ $0 >= 0 && $0 == $0.rounded() }) else {
                throw JobError("--calibration \(calibration): \"labels\" must hold \(n) class numbers")
            }
            labels = l.scalars.map { Int($0) }
            classes = (labels.max() ?? 0) + 1
        } else {
            let logits = try withNoGrad { model.eval(); return try model.forward(Variable(x)) }.value
            guard logits.rank == 2 else { throw JobError("--calibration without labels needs a model with [N, classes] outputs (got \(logits.shape))") }
            classes = logits.shape[1]
            labels = (0..<n).map { i in (0..<classes).max { logits.scalars[i * classes + $0] < logits.scalars[i * classes + $1] }! }
            log.info("calibration \(calibration): no labels, so accuracy is agreement with the dense model's predictions")
        }
        classes = max(classes, 2)
        let cut = max(1, min(n - 1, (n * 4) / 5))
        let all = try LabeledImages(images: x, labels: labels, classes: classes)
        let train = try all.prefix(cut)
        let test = try LabeledImages(images: x.slice(axis: 0, start: cut, end: n), labels: Array(labels[cut...]),
                                     classes: classes)
        return PruningDataset(train: train, test: test, normalization: (0, 1),
                              description: "\(calibration) (\(cut) calibration, \(n - cut) held-out examples)")
    }

    /// The examples of a calibration file: its tensor "x", or, for an imported graph, one tensor per
    /// graph input by name (token ids, attention masks, …) packed into rows (``GraphInputPacking``,
    /// set on the graph so that it cuts every batch back into its inputs).
    static func examples(_ state: StateDict, file: String, model: any Module) throws -> Tensor {
        let graph = model as? GraphModel
        let byName = graph.map { g in g.inputs.contains { state.tensors[$0.name] != nil } } ?? false
        if let graph, state.tensors["x"] == nil || (graph.inputs.count > 1 && byName) {
            guard byName else {
                let names = graph.inputs.map { "\"\($0.name)\"" }.joined(separator: ", ")
                throw JobError("--calibration \(file) needs a tensor \"x\" or one tensor per graph input (\(names))")
            }
            let packing: GraphInputPacking
            do { packing = try GraphInputPacking.of(graph, tensors: state.tensors) } catch {
                throw JobError("--calibration \(file): \(error)")
            }
            let x = try packing.pack(state.tensors)
            guard x.shape[0] >= 2 else { throw JobError("--calibration \(file) needs at least two examples") }
            graph.inputPacking = packing
            return x
        }
        guard let x = state.tensors["x"], x.rank >= 2, x.shape[0] >= 2 else {
            throw JobError("--calibration \(file) needs a tensor \"x\" of at least two examples [N, …]")
        }
        return x
    }

    /// One example's shape.
    public var exampleShape: [Int] { Array(train.images.shape.dropFirst()) }

    /// Checks that an imported model takes these examples.
    public func check(fits onnx: ONNXModel?) throws {
        guard let onnx, onnx.graph.inputPacking == nil, let input = onnx.graph.inputs.first else { return }
        let want = Array(input.shape.dropFirst())
        guard want.count == exampleShape.count, zip(want, exampleShape).allSatisfy({ $0 == nil || $0 == $1 }) else {
            throw JobError("the model's input \(input.name) is [N, \(want.map { $0.map(String.init) ?? "?" }.joined(separator: ", "))], the data's examples are \(exampleShape); pass --calibration FILE.safetensors with inputs \"x\" the model takes")
        }
    }
}
