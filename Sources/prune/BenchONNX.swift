import ArgumentParser
import Foundation
import Prune

/// `prune bench onnx`: imported models in Prune's engine and in onnxruntime (the peer, same
/// machine, same inputs), dense and after structured pruning of half of every channel group.
struct BenchONNX: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "onnx",
        abstract: "Imported ONNX models: import time, Prune vs onnxruntime inference, dense and structurally pruned.")

    @Option(help: "ONNX files (default: the test fixtures).") var models: String =
        ["cnn", "resnet", "mobilenet", "transformer",
         "torch_encoder"].map { "Tests/ONNXTests/Fixtures/\($0).onnx" }.joined(separator: ",")
    @Option(help: "Batch size of the timed inputs.") var batch: Int = 64
    @Option(help: "Timed runs per model (the best counts).") var repeats: Int = 20
    @Option(help: "Structured: remove this fraction of every channel group.") var channels: Double = 0.5
    @Option(help: "Round kept channel counts up to a multiple of this.") var roundTo: Int = 1
    @Flag(help: "Skip the onnxruntime peer.") var noOnnxruntime = false
    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    struct Row: Encodable {
        var model: String, importSeconds: Double, macsDense: Int, macsPruned: Int
        var pruneDense: Double, prunePruned: Double, ortDense: Double?, ortPruned: Double?
    }

    /// Best times of two models, runs alternating so that both see the same machine state.
    func best(_ a: GraphModel, _ b: GraphModel, _ x: Tensor) throws -> (Double, Double) {
        a.eval(); b.eval()
        var t = (Double.infinity, Double.infinity)
        for i in 0..<(repeats + 1) {
            let s = monotonicSeconds()
            _ = try withNoGrad { try a.forward(Variable(x)) }
            let m = monotonicSeconds()
            _ = try withNoGrad { try b.forward(Variable(x)) }
            let e = monotonicSeconds()
            if i > 0 { t = (min(t.0, m - s), min(t.1, e - m)) }   // the first round warms up
        }
        return t
    }

    /// onnxruntime's best time on one model, in its own process (see Benchmarks/onnx_ort.py).
    func onnxruntime(_ model: String, _ inputs: String) -> (seconds: Double, version: String)? {
        let peer = PythonPeer.objects(["Benchmarks/onnx_ort.py", model, inputs, String(ProcessInfoCores.count),
                                       String(repeats)])
        guard let o = peer.last, let s = o["seconds"] as? Double else { return nil }
        return (s, o["version"] as? String ?? "")
    }

    func run() throws {
        let tmp = NSTemporaryDirectory() + "prune-bench-onnx-\(getpid())"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        var rows: [Row] = []
        var ortVersion = ""
        for path in models.split(separator: ",").map(String.init) {
            let t0 = monotonicSeconds()
            let dense = try ONNXModel.load(path)
            let importSeconds = monotonicSeconds() - t0
            guard let shape = dense.inputShape(batch: batch), dense.graph.inputs.count == 1, !(dense.graph.inputs.first?.isInteger ?? true) else {
                throw CLIError("bench onnx: \(path) needs one float input")
            }
            var rng = RandomGenerator(seed: 1)
            let x = Tensor.normal(shape, using: &rng)
            let pruned = try ONNXModel.load(path)
            var pruner = StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .channelRatio(channels))
            pruner.roundTo = roundTo
            let result = try pruner.prune(pruned.graph, example: try x.slice(axis: 0, start: 0, end: 1))
            let (denseTime, prunedTime) = try best(dense.graph, pruned.graph, x)
            var row = Row(model: (path as NSString).lastPathComponent, importSeconds: importSeconds,
                          macsDense: result.macsBefore, macsPruned: result.macsAfter,
                          pruneDense: denseTime, prunePruned: prunedTime, ortDense: nil, ortPruned: nil)
            if !noOnnxruntime {
                let prunedPath = tmp + "/pruned.onnx", inputs = tmp + "/x.safetensors"
                try pruned.write(to: prunedPath)
                try Safetensors.write(StateDict(["x": x]), to: inputs)
                for _ in 0..<2 {   // alternate the two models over two rounds
                    if let d = onnxruntime(path, inputs) { row.ortDense = min(row.ortDense ?? .infinity,
                                                                              d.seconds); ortVersion = d.version }
                    if let q = onnxruntime(prunedPath, inputs) { row.ortPruned = min(row.ortPruned ?? .infinity,
                                                                                     q.seconds) }
                }
            }
            rows.append(row)
        }
        if json { try Console(quiet: true, json: true).emitJSON(rows); return }
        print("Batch \(batch), best of \(repeats) runs, \(ProcessInfoCores.count) threads; structured: \(Int(channels * 100))% of every channel group removed by L2 norm\(roundTo > 1 ? ", kept counts rounded up to multiples of \(roundTo)" : "")."
              + (ortVersion.isEmpty ? " (onnxruntime not run: pip install onnxruntime)" : " Peer: onnxruntime \(ortVersion) (CPU, default graph optimizations)."))
        print("| model | import | MACs dense → pruned | Prune dense | Prune pruned (speed-up) | onnxruntime dense | onnxruntime pruned (speed-up) | Prune ÷ onnxruntime time, pruned |")
        print("|---|---|---|---|---|---|---|---|")
        func ms(_ s: Double?) -> String { s.map { String(format: "%.2f ms", $0 * 1000) } ?? "–" }
        for r in rows {
            let ortUp = r.ortDense.flatMap { d in r.ortPruned.map { String(format: " (%.2f×)", d / $0) } } ?? ""
            let ratio = r.ortPruned.map { String(format: "%.2f", r.prunePruned / $0) } ?? "–"
            print("| \(r.model) | \(ms(r.importSeconds)) | \(r.macsDense) → \(r.macsPruned) | \(ms(r.pruneDense)) | \(ms(r.prunePruned))"
                  + String(format: " (%.2f×)",
                           r.pruneDense / r.prunePruned) + " | \(ms(r.ortDense)) | \(ms(r.ortPruned))\(ortUp) | \(ratio) |")
        }
    }
}
