import ArgumentParser
import Foundation
import Prune

/// `prune bench train`: training throughput of Prune against PyTorch on the same models, batch size,
/// data and thread count, measured in one run.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train",
        abstract: "Training samples/s of Prune vs PyTorch (LeNet-300-100 and the LeNet-5 CNN).")

    @Option(help: "Models to measure (comma-separated).")
    var models: String = "lenet300,lenet5"

    @Option(help: "Optimizer steps to time (after warm-up).")
    var steps: Int = 200

    @Option(help: "Batch size.")
    var batchSize: Int = 64

    @Option(help: "Python interpreter with torch installed.")
    var python: String = "python3"

    @Option(help: "The PyTorch side of the benchmark.")
    var script: String = "Benchmarks/train_torch.py"

    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    struct Row: Encodable {
        let model: String
        let pruneSamplesPerSecond: Double
        let torchSamplesPerSecond: Double?
        let ratio: Double?
        let threads: Int
    }

    func run() throws {
        let console = Console(quiet: false, json: json)
        let threads = ProcessInfoCores.count
        var data = try FashionMNIST.load(.train)
        data = try data.prefix(batchSize * (steps + 10))
        var rows: [Row] = []
        for name in models.split(separator: ",").map(String.init) {
            let net = try ModelZoo.make(name, seed: 0)
            let opt = SGD(net.parameters().map(\.parameter), learningRate: 0.01, momentum: 0.9)
            let loader = try DataLoader(data, batchSize: batchSize, shuffle: true, seed: 0, mean: 0.286, std: 0.353,
                                        dropLast: true)
            var it = loader.makeIterator()
            var timed = 0, t0 = 0.0
            for i in 0..<(steps + 10) {
                guard let b = it.next() else { break }
                if i == 10 { t0 = monotonicSeconds() }
                net.zeroGrad()
                let loss = try Loss.crossEntropy(net.forward(Variable(b.images)), labels: b.labels)
                try loss.backward()
                opt.step()
                if i >= 10 { timed += b.labels.count }
            }
            let ours = Double(timed) / (monotonicSeconds() - t0)
            let theirs = runTorch(model: name, threads: threads)
            rows.append(Row(model: name, pruneSamplesPerSecond: ours, torchSamplesPerSecond: theirs,
                            ratio: theirs.map { ours / $0 }, threads: threads))
        }
        if json { try console.emitJSON(rows); return }
        print("model        Prune samples/s   PyTorch samples/s   ratio (Prune/PyTorch)   threads=\(threads), batch=\(batchSize), steps=\(steps)")
        for r in rows {
            print(String(format: "%-12@ %15.0f   %17@   %@", r.model, r.pruneSamplesPerSecond,
                         r.torchSamplesPerSecond.map { String(format: "%.0f", $0) } ?? "n/a",
                         r.ratio.map { String(format: "%.2f×", $0) } ?? "n/a (PyTorch not installed)"))
        }
    }

    /// Runs the PyTorch script; nil when Python or torch is missing.
    func runTorch(model: String, threads: Int) -> Double? {
        let objects = PythonPeer.objects([script, "--model", model, "--steps", String(steps), "--batch-size",
                                          String(batchSize),
                                          "--threads", String(threads)], python: python)
        return (objects.first?["samples_per_second"] as? NSNumber)?.doubleValue
    }
}
