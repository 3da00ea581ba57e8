import ArgumentParser
import Prune

/// `prune eval`: evaluates saved weights of a built-in model on the Fashion-MNIST test set.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate saved weights (or an ONNX model taking [N, 1, 28, 28] images) on the test set.")

    @Option(help: "Model: lenet300, lenet5, vgg-small, resnet-small, or an .onnx file.")
    var model: String = "lenet300"

    @Option(help: "Weights file (safetensors) written by `prune train` (not used with an .onnx model).")
    var weights: String?

    @OptionGroup var dataOptions: DataOptions

    @Flag(help: "Also run the model with its sparse Linear layers (≥ 50% zeros) in a sparse format: time both, check the outputs agree.")
    var sparse = false

    @Option(name: .customLong("sparse-format"),
            help: ArgumentHelp("With --sparse: auto (time dense, CSR, BSR 4x1/1x4/4x4, 2:4, 4:8 per layer and keep the "
                               + "fastest), csr, blockRxC, N:M, int8 (every Linear, quantized) or csr-int8."),
            transform: SparseFormatChoice.init(parsing:))
    var sparseFormat: SparseFormatChoice = .auto

    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    var quiet: Bool { common.quiet }

    struct Report: Encodable {
        let model: String
        let weights: String
        let parameters: Int
        let nonZeroParameters: Int
        let test: Evaluation
        var sparse: SparseRun?
    }

    struct SparseRun: Encodable {
        let layers: [String]
        let accuracy: Float
        let denseSeconds: Double
        let sparseSeconds: Double
        let maxLogitDifference: Float
    }

    /// Logits of the whole test set in batches, and the time the forward passes took: one untimed
    /// warm-up pass, then the median of three (dense and sparse models are timed the same way).
    static func logits(_ net: any Module, _ set: LabeledImages, batch: Int) throws -> ([Float], Double) {
        net.eval()
        var out: [Float] = []
        let loader = try DataLoader(set, batchSize: batch, mean: DataOptions.mean, std: DataOptions.std)
        let seconds = try MedianTiming(rounds: 3, minSeconds: 0).seconds {
            var all: [Float] = []
            for b in loader { all += try withNoGrad { try net.forward(Variable(b.images)).value.scalars } }
            out = all
        }
        return (out, seconds)
    }

    func run() throws {
        let console = Console(quiet: quiet, json: json)
        do {
            let net: any Module
            let weights: String
            if PruningModelSource.isONNX(model) {
                net = try ONNXModel.load(model).graph
                weights = model
            } else {
                guard let file = self.weights else { throw CLIError("eval: give --weights for the built-in model \(model)") }
                weights = file
                let zoo = try ModelZoo.make(model, seed: 0)
                let state = try Safetensors.read(weights)
                if state.metadata["prune.structured"] == "1" {
                    // A structurally pruned model: build the architecture at the file's (smaller) widths.
                    try ShapeAdaptation.adapt(zoo, to: state.tensors.mapValues(\.shape))
                }
                try zoo.load(state, file: weights)
                net = zoo
            }
            let test = try Trainer.evaluate(net, loader: dataOptions.loader(dataOptions.load(.test), shuffle: false,
                                                                            seed: 0))
            let nonZero = net.parameters().reduce(0) { $0 + $1.parameter.value.scalars.filter { $0 != 0 }.count }
            var report = Report(model: model, weights: weights, parameters: net.parameterCount,
                                nonZeroParameters: nonZero, test: test)
            if sparse {
                let testSet = try dataOptions.load(.test)
                let (denseLogits, denseTime) = try Self.logits(net, testSet, batch: dataOptions.batchSize)
                let layers = try sparseFormat.apply(to: net,
                                                    batch: dataOptions.batchSize).map { "\($0.path) \($0.format)" }
                let (sparseLogits, sparseTime) = try Self.logits(net, testSet, batch: dataOptions.batchSize)
                let diff = zip(denseLogits, sparseLogits).map { abs($0 - $1) }.max() ?? 0
                let acc = try Trainer.evaluate(net, loader: dataOptions.loader(testSet, shuffle: false,
                                                                               seed: 0)).accuracy
                report.sparse = SparseRun(layers: layers, accuracy: acc, denseSeconds: denseTime,
                                          sparseSeconds: sparseTime, maxLogitDifference: diff)
            }
            if let warning = test.nonFiniteWarning { console.warning(warning) }
            if json { try console.emitJSON(report) } else {
                console.result(String(format: "%@ (%@): test accuracy %@, loss %.4f on %d images; %d parameters, %d non-zero",
                                    model, weights, test.accuracy.percent, test.loss, test.count, report.parameters, nonZero))
                if let s = report.sparse {
                    console.result(String(format: "sparse engine (%@): accuracy %@, test set in %.3f s vs %.3f s dense (%.2f×), max logit difference %.2g",
                                          s.layers.joined(separator: ", "), s.accuracy.percent, s.sparseSeconds, s.denseSeconds,
                                          s.denseSeconds / max(s.sparseSeconds, 1e-9), s.maxLogitDifference))
                }
            }
        } catch let e as CLIError { throw e } catch {
            throw CLIError("eval: \(error)")
        }
    }
}
