import ArgumentParser
import Foundation
import Prune

/// `prune bench train`: training throughput of Prune against PyTorch on the same models, batch size,
/// data and thread count, measured in one run: the two sides take turns, `repeats` timed windows each,
/// and each side's median window is reported.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train",
        abstract: "Training samples/s of Prune vs PyTorch (LeNet-300-100, the LeNet-5 CNN, ResNet-small).")

    @Option(help: "Models to measure (comma-separated): lenet300, lenet5, resnet-small.")
    var models: String = "lenet300,lenet5,resnet-small"

    @Option(help: "Optimizer steps to time (after warm-up) in each window.")
    var steps: Int = 200

    @Option(help: "Timed windows per side, taken in turns; the median is reported.")
    var repeats: Int = 3

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
        let pruneWindows: [Double]
        let torchWindows: [Double]
        let threads: Int
    }

    func validate() throws {
        guard steps > 0, repeats > 0, batchSize > 0 else {
            throw ValidationError("--steps, --repeats and --batch-size must be positive")
        }
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
            var ours: [Double] = [], theirs: [Double] = []
            for _ in 0..<repeats {
                ours.append(try window(net, opt, data: data))
                if let t = runTorch(model: name, threads: threads) { theirs.append(t) }
            }
            let mine = MedianTiming.median(ours), peer = theirs.isEmpty ? nil : MedianTiming.median(theirs)
            rows.append(Row(model: name, pruneSamplesPerSecond: mine, torchSamplesPerSecond: peer,
                            ratio: peer.map { mine / $0 }, pruneWindows: ours, torchWindows: theirs,
                            threads: threads))
        }
        if json { try console.emitJSON(rows); return }
        print("model        Prune samples/s   PyTorch samples/s   ratio (Prune/PyTorch)   threads=\(threads), "
              + "batch=\(batchSize), steps=\(steps), medians of \(repeats) windows; \(BLASThreads.kernels)")
        for r in rows {
            print(String(format: "%-12@ %15.0f   %17@   %@", r.model, r.pruneSamplesPerSecond,
                         r.torchSamplesPerSecond.map { String(format: "%.0f", $0) } ?? "n/a",
                         r.ratio.map { String(format: "%.2f×", $0) } ?? "n/a (PyTorch not installed)"))
        }
    }

    /// Samples/s of `steps` SGD steps after 10 untimed ones, on the same shuffled batches every window.
    func window(_ net: any Module, _ opt: SGD, data: LabeledImages) throws -> Double {
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
        return Double(timed) / (monotonicSeconds() - t0)
    }

    /// Runs the PyTorch script for one window; nil when Python or torch is missing.
    func runTorch(model: String, threads: Int) -> Double? {
        let objects = PythonPeer.objects([script, "--model", model, "--steps", String(steps), "--batch-size",
                                          String(batchSize),
                                          "--threads", String(threads)], python: python)
        return (objects.first?["samples_per_second"] as? NSNumber)?.doubleValue
    }
}
