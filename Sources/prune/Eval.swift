import ArgumentParser
import Prune

/// `prune eval`: evaluates saved weights of a built-in model on the Fashion-MNIST test set.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate saved weights on the test set.")

    @Option(help: "Model: lenet300, lenet5, vgg-small, resnet-small.")
    var model: String = "lenet300"

    @Option(help: "Weights file (safetensors) written by `prune train`.")
    var weights: String

    @OptionGroup var dataOptions: DataOptions

    @Flag(help: "Print the result as JSON on stdout.")
    var json = false

    @Flag(help: "No progress display.")
    var quiet = false

    struct Report: Encodable {
        let model: String
        let weights: String
        let parameters: Int
        let nonZeroParameters: Int
        let test: Evaluation
    }

    func run() throws {
        let console = Console(quiet: quiet, json: json)
        do {
            let net = try ModelZoo.make(model, seed: 0)
            let state = try Safetensors.read(weights)
            if state.metadata["prune.structured"] == "1" {
                // A structurally pruned model: build the architecture at the file's (smaller) widths.
                try ShapeAdaptation.adapt(net, to: state.tensors.mapValues(\.shape))
            }
            try net.load(state, file: weights)
            let test = try Trainer.evaluate(net, loader: dataOptions.loader(dataOptions.load(.test), shuffle: false, seed: 0))
            let nonZero = net.parameters().reduce(0) { $0 + $1.parameter.value.scalars.filter { $0 != 0 }.count }
            let report = Report(model: model, weights: weights, parameters: net.parameterCount, nonZeroParameters: nonZero, test: test)
            if json { try console.emitJSON(report) } else {
                console.result(String(format: "%@ (%@): test accuracy %@, loss %.4f on %d images; %d parameters, %d non-zero",
                                    model, weights, test.accuracy.percent, test.loss, test.count, report.parameters, nonZero))
            }
        } catch {
            throw CLIError("eval: \(error)")
        }
    }
}
